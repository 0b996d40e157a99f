// The emulator behind the Accelerator interface: vCPU threads, kick while halted, and an
// application processor started by INIT/SIPI from the bootstrap processor.
#include <chrono>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "emu/emu_accelerator.h"
#include "memory/guest_memory.h"
#include "x86/registers.h"

namespace vireo::emu::test {
namespace {

using namespace std::chrono_literals;

class NullIo final : public IoHandler {
public:
    void pio_read(uint16_t, std::span<uint8_t> data) override {
        std::fill(data.begin(), data.end(), 0xff);
    }
    void pio_write(uint16_t, std::span<uint8_t const>) override {}
    void mmio_read(uint64_t, std::span<uint8_t> data) override {
        std::fill(data.begin(), data.end(), 0xff);
    }
    void mmio_write(uint64_t, std::span<uint8_t const>) override {}
};

x86::Segment flat32(uint16_t selector, uint8_t type) {
    x86::Segment s;
    s.selector = selector;
    s.limit = 0xffffffff;
    s.type = type;
    s.present = true;
    s.granularity = true;
    s.db = true;
    return s;
}

// 32-bit protected mode, flat segments, interrupts off, at `rip`.
x86::CpuState protected_state(uint64_t rip) {
    x86::CpuState state;
    state.cs = flat32(0x8, 0xb);
    state.ds = state.es = state.ss = state.fs = state.gs = flat32(0x10, 0x3);
    state.tr.type = 0xb;
    state.tr.present = true;
    state.cr0 = x86::kCr0Pe | x86::kCr0Et;
    state.rip = rip;
    return state;
}

struct Machine {
    std::unique_ptr<GuestMemory> memory;
    std::unique_ptr<Accelerator> accel;
    NullIo io;

    explicit Machine(unsigned cpus) {
        memory = std::move(*GuestMemory::create(16 << 20));
        AccelConfig config;
        config.vcpu_count = cpus;
        accel = std::move(*create_emu_accelerator(config));
        EXPECT_TRUE(accel->map_memory(*memory).has_value());
    }
};

TEST(Vcpu, KickEndsRunWhileHalted) {
    Machine m(1);
    ASSERT_TRUE(m.memory->write(0x1000, std::vector<uint8_t>{0xfa, 0xf4}).has_value()); // cli; hlt
    auto vcpu = std::move(*m.accel->create_vcpu(0, m.io));
    ASSERT_TRUE(vcpu->set_state(protected_state(0x1000)).has_value());
    auto exit = std::async(std::launch::async, [&] { return vcpu->run(); });
    EXPECT_EQ(exit.wait_for(100ms), std::future_status::timeout); // asleep in HLT
    vcpu->kick();
    ASSERT_EQ(exit.wait_for(2s), std::future_status::ready);
    auto result = exit.get();
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(result->reason, VcpuExitReason::Kicked);
    EXPECT_EQ((*vcpu->get_state()).rip, 0x1002u);
}

TEST(Vcpu, BspStartsApWithInitSipi) {
    Machine m(2);
    // BSP (32-bit): enable the APIC (SVR), ICR high = APIC 1, INIT, SIPI vector 8, hlt.
    std::vector<uint8_t> const bsp{0xc7, 0x05, 0xf0, 0x00, 0xe0, 0xfe, 0xff, 0x01, 0x00, 0x00, 0xc7,
                                   0x05, 0x10, 0x03, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x01, 0xc7, 0x05,
                                   0x00, 0x03, 0xe0, 0xfe, 0x00, 0x45, 0x00, 0x00, 0xc7, 0x05, 0x00,
                                   0x03, 0xe0, 0xfe, 0x08, 0x46, 0x00, 0x00, 0xf4};
    // AP (real mode at 0x8000): mov ax, 0x1234; mov [0x9000], ax; cli; hlt
    std::vector<uint8_t> const ap{0xb8, 0x34, 0x12, 0xa3, 0x00, 0x90, 0xfa, 0xf4};
    ASSERT_TRUE(m.memory->write(0x1000, bsp).has_value());
    ASSERT_TRUE(m.memory->write(0x8000, ap).has_value());
    auto cpu0 = std::move(*m.accel->create_vcpu(0, m.io));
    auto cpu1 = std::move(*m.accel->create_vcpu(1, m.io));
    ASSERT_TRUE(cpu0->set_state(protected_state(0x1000)).has_value());
    auto run0 = std::async(std::launch::async, [&] { return cpu0->run(); });
    auto run1 = std::async(std::launch::async, [&] { return cpu1->run(); });
    uint16_t seen = 0;
    for (int i = 0; i < 200 && seen != 0x1234; ++i) {
        std::this_thread::sleep_for(10ms);
        seen = *m.memory->read_object<uint16_t>(0x9000);
    }
    EXPECT_EQ(seen, 0x1234);
    cpu0->kick();
    cpu1->kick();
    ASSERT_EQ(run0.wait_for(2s), std::future_status::ready);
    ASSERT_EQ(run1.wait_for(2s), std::future_status::ready);
    auto ap_state = *cpu1->get_state();
    EXPECT_EQ(ap_state.cs.selector, 0x800);
    EXPECT_EQ(ap_state.rip, 8u); // after the HLT
}

TEST(Vcpu, TripleFaultIsAnExit) {
    Machine m(1);
    // lidt of an empty IDT, then int3: nothing can be delivered.
    ASSERT_TRUE(m.memory->write(0x1000, std::vector<uint8_t>{0xcc}).has_value());
    auto vcpu = std::move(*m.accel->create_vcpu(0, m.io));
    x86::CpuState state = protected_state(0x1000);
    state.idt = {0, 0};
    ASSERT_TRUE(vcpu->set_state(state).has_value());
    auto result = vcpu->run();
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(result->reason, VcpuExitReason::TripleFault);
}

} // namespace
} // namespace vireo::emu::test
