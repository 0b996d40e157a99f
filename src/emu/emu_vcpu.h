// One emulated vCPU: the Cpu state, its block cache, its local APIC, and the loop that runs
// guest code between interrupt checks, sleeps in HLT and wait-for-SIPI, and returns to the
// VMM when kicked.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "accel/accel.h"
#include "emu/block_cache.h"
#include "emu/cpu.h"
#include "emu/msr.h"
#include "emu/trace_ring.h"

namespace vireo::irqchip {
class Chipset;
class Clock;
class LocalApic;
} // namespace vireo::irqchip

namespace vireo::emu {

class EmuVcpu final : public Vcpu, private CpuHooks {
public:
    EmuVcpu(unsigned index, Machine& machine, IoHandler& io, irqchip::Chipset& chipset,
            irqchip::Clock const& clock);
    ~EmuVcpu() override;

    unsigned index() const override { return cpu_.index; }
    Result<VcpuExit> run() override;
    void kick() override;
    Result<x86::CpuState> get_state() override;
    Result<void> set_state(x86::CpuState const& state) override;

    // Called by CodePages when any page first holds code.
    void flush_write_tlb() { cpu_.request(kEventFlushWriteTlb); }
    Cpu& cpu() { return cpu_; }

private:
    enum class Step { Continue, Kicked, TripleFault };

    Step service_events();
    void poll_timers();
    Step take_interrupts();
    void wait_for_wake();
    // Spins up to kHaltPoll for an interrupt or event; whether one came. 200 us is KVM's
    // default halt_poll_ns (Documentation/virt/kvm/halt-polling.rst); an idle guest's HLTs
    // cost at most that each.
    bool poll_for_wake() const;
    static constexpr std::chrono::microseconds kHaltPoll{200};
    void wake();
    std::string crash_report(char const* what);

    // CpuHooks: the LAPIC owns IA32_APIC_BASE, IA32_TSC_DEADLINE and CR8.
    std::optional<uint64_t> read_msr(uint32_t index) override;
    WriteResult write_msr(uint32_t index, uint64_t value) override;
    uint8_t read_cr8() override;
    void write_cr8(uint8_t value) override;

    Cpu cpu_;
    BlockCache cache_;
    TraceRing trace_;
    irqchip::Chipset& chipset_;
    irqchip::LocalApic& apic_;
    irqchip::Clock const& clock_;
    bool wait_for_sipi_ = false;
    uint64_t next_report_ns_ = 0;
    uint64_t last_report_ns_ = 0;
    uint64_t last_report_instructions_ = 0;
    std::mutex mutex_;
    std::condition_variable wake_;
};

} // namespace vireo::emu
