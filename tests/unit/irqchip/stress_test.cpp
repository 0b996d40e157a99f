// Two vCPU threads sending IPIs to each other while acknowledging and ending their own
// interrupts, with a device thread driving the IOAPIC and MSIs. Meant to run under
// -fsanitize=thread as well (see src/irqchip/README.md).
#include <thread>

#include "irqchip/chipset.h"
#include "irqchip/io_apic.h"
#include "irqchip_test_util.h"

namespace vireo::irqchip::test {
namespace {

constexpr uint32_t kFixed = 0;
constexpr unsigned kRounds = 20'000;
constexpr uint8_t kPingVector = 0x40;

// Takes one pending interrupt if there is one; returns it.
std::optional<uint8_t> poll_once(LocalApic& apic) {
    if (!apic.has_pending())
        return std::nullopt;
    return ApicSystem::take_and_eoi(apic);
}

TEST(IrqchipStress, PingPongIpisArriveExactlyOnceEach) {
    ApicSystem system(2);
    std::array<unsigned, 2> received{};
    auto const player = [&](unsigned self, bool serves) {
        unsigned const peer = 1 - self;
        if (serves)
            system.send_ipi(self, static_cast<uint8_t>(peer), kFixed | kPingVector);
        for (unsigned round = 1; round <= kRounds;) {
            auto const vector = poll_once(system[self]);
            if (!vector) {
                std::this_thread::yield();
                continue;
            }
            ASSERT_EQ(*vector, kPingVector);
            ++received[self];
            if (!serves || round < kRounds)
                system.send_ipi(self, static_cast<uint8_t>(peer), kFixed | kPingVector);
            ++round;
        }
    };
    std::thread first(player, 0, true);
    std::thread second(player, 1, false);
    first.join();
    second.join();
    EXPECT_EQ(received[0], kRounds);
    EXPECT_EQ(received[1], kRounds);
    EXPECT_GE(system.wakes[0].load(), kRounds);
    EXPECT_GE(system.wakes[1].load(), kRounds);
}

bool idle(LocalApic& apic) {
    for (unsigned i = 0; i < VectorSet::kWords; ++i) {
        uint32_t const offset = i * apic::kRegisterStride;
        if (apic.read_register(apic::kIrrBase + offset) != 0 ||
            apic.read_register(apic::kIsrBase + offset) != 0)
            return false;
    }
    return !apic.has_pending();
}

TEST(IrqchipStress, FloodOfIpisIoApicAndMsisLeavesNothingBehind) {
    ApicSystem system(2);
    IoApic ioapic(system.bus);
    system.bus.set_eoi_listener(&ioapic);
    // Pin 9: level-triggered, logical destination both CPUs' mask 0x01 (CPU 0).
    std::array<uint8_t, 4> data{};
    auto const ioapic_write = [&](uint32_t index, uint32_t value) {
        store_le(data, index);
        ioapic.write(0x00, data);
        store_le(data, value);
        ioapic.write(0x10, data);
    };
    ioapic_write(0x10 + 18 + 1, 0x01U << 24);
    ioapic_write(0x10 + 18, (1U << 15) | (1U << 11) | 0x39);

    std::atomic<unsigned> finished{0};
    std::array<unsigned, 2> received{};
    auto const cpu = [&](unsigned self) {
        unsigned const peer = 1 - self;
        for (unsigned i = 0; i < kRounds; ++i) {
            // Vectors in several priority classes, so that nesting happens.
            auto const vector = static_cast<uint8_t>(0x50 + (i % 6) * 0x10 + self);
            system.send_ipi(self, static_cast<uint8_t>(peer), kFixed | vector);
            if (poll_once(system[self]))
                ++received[self];
        }
        finished.fetch_add(1);
        while (finished.load() < 3) {
            if (poll_once(system[self]))
                ++received[self];
        }
    };
    auto const device = [&] {
        for (unsigned i = 0; i < kRounds; ++i) {
            ioapic.set_irq(9, i % 2 == 0);
            system.bus.signal_msi(0xfee00000 | ((i % 2) << 12), 0x0045);
        }
        ioapic.set_irq(9, false);
        finished.fetch_add(1);
    };
    std::thread cpu0(cpu, 0);
    std::thread cpu1(cpu, 1);
    std::thread devices(device);
    cpu0.join();
    cpu1.join();
    devices.join();
    for (unsigned self = 0; self < 2; ++self) {
        while (poll_once(system[self]))
            ++received[self];
        EXPECT_TRUE(idle(system[self])) << "cpu " << self;
        EXPECT_GT(received[self], 0U);
    }
    // Every level-triggered delivery was ended, so the pin is not stuck.
    EXPECT_EQ(ioapic.redirection_entry(9) & (1U << 14), 0U);
}

// The ExtINT path crosses locks in both directions (the PIC calls into the APIC when INTR
// changes; the APIC calls into the PIC for INTA): a device thread toggles ISA IRQs and a
// timer thread runs the PIT while the BSP thread takes 8259 interrupts through LINT0.
TEST(IrqchipStress, ExtIntPathWithPicAndPitThreads) {
    ManualClock clock(kStartNs);
    ChipsetConfig config;
    config.vcpu_count = 2;
    auto created = Chipset::create(config, clock);
    ASSERT_TRUE(created.has_value());
    Chipset& chipset = **created;
    chipset.local_apic(0).enable_virtual_wire();
    Pic8259Pair& pic = chipset.pic();
    for (uint8_t value : {0x11, 0x30, 0x04, 0x01})
        outb(pic, value == 0x11 ? 0x20 : 0x21, value);
    for (uint8_t value : {0x11, 0x38, 0x02, 0x01})
        outb(pic, value == 0x11 ? 0xa0 : 0xa1, value);
    outb(pic, 0x21, 0x00);
    outb(pic, 0xa1, 0x00);
    Pit8254& pit = chipset.pit();
    outb(pit, 0x43, 0x34);
    outb(pit, 0x40, 100);
    outb(pit, 0x40, 0);

    std::atomic<bool> stop{false};
    unsigned taken = 0;
    std::thread bsp([&] {
        LocalApic& apic = chipset.local_apic(0);
        while (!stop.load()) {
            if (!apic.has_pending()) {
                std::this_thread::yield();
                continue;
            }
            auto const vector = apic.pending_vector();
            if (!vector)
                continue;
            uint8_t const got = apic.acknowledge(*vector);
            ++taken;
            outb(pic, got >= 0x38 ? 0xa0 : 0x20, 0x20);
            if (got >= 0x38)
                outb(pic, 0x20, 0x20);
        }
    });
    std::thread devices([&] {
        for (unsigned i = 0; i < kRounds; ++i) {
            chipset.set_irq(1 + i % 2 * 9, true); // IRQ 1 and IRQ 10
            chipset.set_irq(1 + i % 2 * 9, false);
        }
    });
    std::thread timer([&] {
        for (unsigned i = 0; i < kRounds; ++i) {
            clock.advance(1000);
            chipset.update_timers(clock.now_ns());
        }
    });
    devices.join();
    timer.join();
    stop.store(true);
    bsp.join();
    EXPECT_GT(taken, 0U);
}

} // namespace
} // namespace vireo::irqchip::test
