// The chipset as Linux 6.1 meets it: GSI routing, bus placement, and the check_timer()
// sequence (arch/x86/kernel/apic/io_apic.c) that proves IRQ 0 reaches the BSP through
// IOAPIC pin 2.
#include "bus/bus.h"
#include "irqchip/chipset.h"
#include "irqchip_test_util.h"

namespace vireo::irqchip::test {
namespace {

constexpr uint8_t kTimerVector = 0x30;
constexpr uint16_t kLatch = 4773; // HZ = 250
constexpr uint64_t kTscHz = 2'000'000'000;
constexpr uint64_t kHz = 250;

class ChipsetTest : public ::testing::Test {
protected:
    explicit ChipsetTest(unsigned vcpus = 1)
        : clock(kStartNs) {
        auto created = Chipset::create({.vcpu_count = vcpus, .apic = {.tsc_hz = kTscHz}}, clock);
        EXPECT_TRUE(created.has_value());
        chipset = std::move(*created);
        for (auto const& device : chipset->platform_devices()) {
            Bus& bus = device.space == PlatformDevice::Space::Pio ? ports : mmio;
            EXPECT_TRUE(bus.insert(device.device, device.base, device.length).has_value());
        }
    }

    void out(uint16_t port, uint8_t value) {
        std::array<uint8_t, 1> data{value};
        ports.write(port, data);
    }
    uint8_t in(uint16_t port) {
        std::array<uint8_t, 1> data{};
        ports.read(port, data);
        return data[0];
    }
    void ioapic_write(uint8_t index, uint32_t value) {
        std::array<uint8_t, 4> data{};
        store_le(data, index);
        mmio.write(0xfec00000, data);
        store_le(data, value);
        mmio.write(0xfec00010, data);
    }

    // What setup_local_APIC() and the flat APIC driver leave on the BSP.
    void setup_bsp_apic() {
        LocalApic& bsp = chipset->local_apic(0);
        bsp.write_register(apic::kSvr, apic::kSvrEnable | 0xff);
        bsp.write_register(apic::kDfr, apic::kDfrFlat);
        bsp.write_register(apic::kLdr, 1U << 24);
    }

    // init_8259A(auto_eoi) followed by masking everything but the cascade.
    void init_pic(bool auto_eoi) {
        out(0x21, 0xff);
        out(0xa1, 0xff);
        out(0x20, 0x11);
        out(0x21, 0x30);
        out(0x21, 0x04);
        out(0x21, auto_eoi ? 0x03 : 0x01);
        out(0xa0, 0x11);
        out(0xa1, 0x38);
        out(0xa1, 0x02);
        out(0xa1, 0x01);
        out(0x21, 0xfb);
        out(0xa1, 0xff);
    }

    // One pass of what the emulator does between blocks of guest code on the BSP.
    void emulator_poll(unsigned& jiffies) {
        uint64_t const now = clock.now_ns();
        if (auto deadline = chipset->next_deadline_ns(); deadline && *deadline <= now)
            chipset->update_timers(now);
        LocalApic& bsp = chipset->local_apic(0);
        if (!bsp.has_pending())
            return;
        auto const vector = bsp.pending_vector();
        if (!vector)
            return;
        if (bsp.acknowledge(*vector) == kTimerVector)
            ++jiffies;
        bsp.write_register(apic::kEoi, 0);
    }

    // timer_irq_works() with delay_with_tsc(): interrupts on, spin on the TSC for at most
    // 40e9 / HZ cycles or until jiffies passes start + 4; works if jiffies > start + 4.
    bool timer_irq_works() {
        unsigned jiffies = 0;
        uint64_t const limit_ns = 40'000'000'000ULL / kHz * 1'000'000'000ULL / kTscHz;
        uint64_t const start = clock.now_ns();
        constexpr uint64_t kBlockNs = 10'000; // a block of guest instructions
        while (clock.now_ns() - start < limit_ns && jiffies <= 4) {
            clock.advance(kBlockNs);
            emulator_poll(jiffies);
        }
        return jiffies > 4;
    }

    ManualClock clock;
    std::unique_ptr<Chipset> chipset;
    Bus ports{"pio"};
    Bus mmio{"mmio"};
};

TEST_F(ChipsetTest, CheckTimerSeesIrq0ThroughIoApicPin2) {
    setup_bsp_apic();
    // check_timer(): LVT0 masked ExtINT, 8259 in auto-EOI mode with IRQ 0 masked.
    chipset->local_apic(0).write_register(apic::kLvtLint0, apic::kLvtMasked | (7U << 8));
    init_pic(true);
    EXPECT_EQ(in(0x21), 0xfb); // probe_8259A() reads the mask back
    // The PIT clockevent in periodic mode (pit_set_periodic()).
    out(0x43, 0x34);
    out(0x40, kLatch & 0xff);
    out(0x40, kLatch >> 8);
    // IOAPIC pin 2 per the MADT override: vector 0x30, fixed, logical flat to CPU 0, edge.
    ioapic_write(0x10 + 2 * 2 + 1, 0x01U << 24);
    ioapic_write(0x10 + 2 * 2, (1U << 11) | kTimerVector);
    EXPECT_TRUE(timer_irq_works());
}

TEST_F(ChipsetTest, CheckTimerFailsWhenPin2StaysMasked) {
    setup_bsp_apic();
    init_pic(true);
    out(0x43, 0x34);
    out(0x40, kLatch & 0xff);
    out(0x40, kLatch >> 8);
    ioapic_write(0x10 + 2 * 0, (1U << 11) | kTimerVector); // pin 0: the wrong pin
    ioapic_write(0x10 + 2 * 0 + 1, 0x01U << 24);
    EXPECT_FALSE(timer_irq_works());
}

TEST_F(ChipsetTest, VirtualWireDeliversPicInterruptsAsExtInt) {
    chipset->local_apic(0).enable_virtual_wire();
    init_pic(false);
    out(0x21, 0xfa); // unmask IRQ 0 (and keep the cascade)
    out(0x43, 0x34);
    out(0x40, 100);
    out(0x40, 0);
    chipset->update_timers(clock.now_ns() + ns_for_ticks(100, kPitHz));
    LocalApic& bsp = chipset->local_apic(0);
    ASSERT_TRUE(bsp.has_pending());
    ASSERT_EQ(bsp.pending_vector(), 0x30);
    EXPECT_EQ(bsp.acknowledge(0x30), 0x30);
    EXPECT_FALSE(bsp.has_pending());
    out(0x20, 0x20); // EOI to the PIC, not the APIC
}

TEST_F(ChipsetTest, IsaIrqsReachPicAndIoApicWithIrq0OnPin2) {
    setup_bsp_apic();
    init_pic(false);
    out(0x21, 0xeb); // unmask IRQ 4
    ioapic_write(0x10 + 2 * 4, 0x44);
    chipset->set_irq(4, true);
    EXPECT_EQ(chipset->pic().peek_vector(), 0x34);
    EXPECT_TRUE(vector_bit(chipset->local_apic(0), apic::kIrrBase, 0x44));

    EXPECT_EQ(Chipset::isa_irq_to_ioapic_pin(0), 2U);
    EXPECT_EQ(Chipset::isa_irq_to_ioapic_pin(9), 9U);
    ioapic_write(0x10 + 2 * 2, 0x42);
    chipset->set_irq(0, true);
    EXPECT_TRUE(vector_bit(chipset->local_apic(0), apic::kIrrBase, 0x42));
}

TEST_F(ChipsetTest, PciGsisReachOnlyTheIoApic) {
    setup_bsp_apic();
    ioapic_write(0x10 + 2 * 20, (1U << 15) | 0x60); // level
    chipset->set_irq(20, true);
    EXPECT_TRUE(vector_bit(chipset->local_apic(0), apic::kIrrBase, 0x60));
    EXPECT_EQ(chipset->pic().peek_vector(), std::nullopt);
    chipset->set_irq(24, true); // beyond the IOAPIC: ignored
}

TEST_F(ChipsetTest, MsiGoesThroughTheApicBus) {
    setup_bsp_apic();
    chipset->signal_msi(0xfee00000, 0x51);
    EXPECT_TRUE(vector_bit(chipset->local_apic(0), apic::kIrrBase, 0x51));
}

TEST_F(ChipsetTest, PlatformDevicesCoverTheLegacyPortsAndIoApic) {
    auto const devices = chipset->platform_devices();
    ASSERT_EQ(devices.size(), 6U);
    EXPECT_EQ(devices.back().space, PlatformDevice::Space::Mmio);
    EXPECT_EQ(devices.back().base, 0xfec00000U);
    // ELCR through the bus window.
    out(0x4d1, 0x02);
    EXPECT_EQ(in(0x4d1), 0x02);
    // Port 61h bit 0 is the channel 2 gate.
    out(0x61, 0x01);
    EXPECT_EQ(in(0x61) & 0x01, 0x01);
}

ChipsetConfig config_with(unsigned vcpus, uint64_t crystal_hz = 25'000'000) {
    ChipsetConfig config;
    config.vcpu_count = vcpus;
    config.apic.crystal_hz = crystal_hz;
    return config;
}

TEST(ChipsetCreate, RejectsBadVcpuCounts) {
    ManualClock clock;
    auto none = Chipset::create(config_with(0), clock);
    ASSERT_FALSE(none.has_value());
    EXPECT_NE(none.error().message().find("vCPUs"), std::string::npos);
    EXPECT_FALSE(Chipset::create(config_with(65), clock).has_value());
    EXPECT_FALSE(Chipset::create(config_with(2, 0), clock).has_value());
    EXPECT_TRUE(Chipset::create(config_with(64), clock).has_value());
}

} // namespace
} // namespace vireo::irqchip::test
