// The IOAPIC's redirection table (82093AA datasheet) and MSI decoding (Intel SDM Vol. 3A
// 11.11).
#include "irqchip/io_apic.h"
#include "irqchip_test_util.h"

namespace vireo::irqchip::test {
namespace {

constexpr uint64_t kIoWin = 0x10;
constexpr uint32_t kMasked = 1U << 16;
constexpr uint32_t kLevel = 1U << 15;
constexpr uint32_t kRemoteIrr = 1U << 14;
constexpr uint32_t kLogical = 1U << 11;

class IoApicTest : public ::testing::Test {
protected:
    IoApicTest()
        : system(2)
        , ioapic(system.bus) {
        system.bus.set_eoi_listener(&ioapic);
    }

    uint32_t read_index(uint8_t index) {
        write32(ioapic, 0, index);
        return read32(ioapic, kIoWin);
    }
    void write_index(uint8_t index, uint32_t value) {
        write32(ioapic, 0, index);
        write32(ioapic, kIoWin, value);
    }
    void program(unsigned pin, uint32_t low, uint8_t destination) {
        write_index(static_cast<uint8_t>(0x10 + 2 * pin + 1), uint32_t{destination} << 24);
        write_index(static_cast<uint8_t>(0x10 + 2 * pin), low);
    }
    bool in_irr(unsigned apic, uint8_t vector) {
        return vector_bit(system[apic], apic::kIrrBase, vector);
    }

    ApicSystem system;
    IoApic ioapic;
};

TEST_F(IoApicTest, IdentificationRegisters) {
    EXPECT_EQ(read_index(0x01), 0x00170011U); // 24 entries, version 11h
    write_index(0x00, 0xffffffff);
    EXPECT_EQ(read_index(0x00), 0x0f000000U);
    EXPECT_EQ(read_index(0x02), 0x0f000000U);
    write_index(0x01, 0);
    EXPECT_EQ(read_index(0x01), 0x00170011U);
    EXPECT_EQ(read_index(0x10) & kMasked, kMasked); // pins start masked
    write32(ioapic, 0, 0x3f);
    EXPECT_EQ(read32(ioapic, 0), 0x3fU);
}

TEST_F(IoApicTest, EdgePinDeliversOnRisingEdgesOnly) {
    program(5, 0x35, 1); // fixed, physical, edge, to APIC 1
    ioapic.set_irq(5, true);
    EXPECT_TRUE(in_irr(1, 0x35));
    EXPECT_FALSE(in_irr(0, 0x35));
    EXPECT_EQ(ApicSystem::take_and_eoi(system[1]), 0x35);
    ioapic.set_irq(5, true); // still high: no new edge
    EXPECT_FALSE(in_irr(1, 0x35));
    ioapic.set_irq(5, false);
    ioapic.set_irq(5, true);
    EXPECT_TRUE(in_irr(1, 0x35));
}

TEST_F(IoApicTest, MaskedEdgeIsLost) {
    program(4, kMasked | 0x34, 0);
    ioapic.set_irq(4, true);
    program(4, 0x34, 0);
    EXPECT_FALSE(in_irr(0, 0x34));
}

TEST_F(IoApicTest, LevelPinHoldsRemoteIrrUntilEoi) {
    program(9, kLevel | 0x39, 0);
    ioapic.set_irq(9, true);
    ASSERT_TRUE(in_irr(0, 0x39));
    EXPECT_TRUE(vector_bit(system[0], apic::kTmrBase, 0x39));
    EXPECT_EQ(read_index(0x10 + 18) & kRemoteIrr, kRemoteIrr);
    ASSERT_EQ(system[0].acknowledge(0x39), 0x39);
    ioapic.set_irq(9, true); // asserted again, remote IRR set: nothing
    EXPECT_FALSE(in_irr(0, 0x39));
    // The EOI broadcast clears remote IRR; the line is still high, so it comes again.
    system[0].write_register(apic::kEoi, 0);
    EXPECT_TRUE(in_irr(0, 0x39));
    EXPECT_EQ(read_index(0x10 + 18) & kRemoteIrr, kRemoteIrr);
    // Device lowers the line before the handler's EOI: no further delivery.
    ioapic.set_irq(9, false);
    EXPECT_EQ(ApicSystem::take_and_eoi(system[0]), 0x39);
    EXPECT_EQ(read_index(0x10 + 18) & kRemoteIrr, 0U);
    EXPECT_FALSE(in_irr(0, 0x39));
}

TEST_F(IoApicTest, UnmaskingAnAssertedLevelPinDelivers) {
    program(10, kMasked | kLevel | 0x3a, 1);
    ioapic.set_irq(10, true);
    EXPECT_FALSE(in_irr(1, 0x3a));
    program(10, kLevel | 0x3a, 1);
    EXPECT_TRUE(in_irr(1, 0x3a));
}

TEST_F(IoApicTest, RemoteIrrIsReadOnly) {
    program(9, kLevel | 0x39, 0);
    ioapic.set_irq(9, true);
    write_index(0x10 + 18, kLevel | 0x39); // tries to clear remote IRR
    EXPECT_EQ(read_index(0x10 + 18) & kRemoteIrr, kRemoteIrr);
    program(9, kRemoteIrr | 0x39, 0); // switching to edge clears it
    EXPECT_EQ(read_index(0x10 + 18) & kRemoteIrr, 0U);
}

TEST_F(IoApicTest, LogicalDestinationAndHighHalf) {
    program(16, kLogical | 0x46, 0x03);
    EXPECT_EQ(ioapic.redirection_entry(16) >> 56, 0x03U);
    ioapic.set_irq(16, true);
    EXPECT_TRUE(in_irr(0, 0x46));
    EXPECT_TRUE(in_irr(1, 0x46));
}

TEST_F(IoApicTest, UndeliveredLevelInterruptDoesNotStickRemoteIrr) {
    program(11, kLevel | 0x3b, 7); // no APIC has ID 7
    ioapic.set_irq(11, true);
    EXPECT_EQ(read_index(0x10 + 22) & kRemoteIrr, 0U);
}

TEST_F(IoApicTest, OutOfRangePinsAndRegistersAreIgnored) {
    ioapic.set_irq(24, true);
    EXPECT_EQ(read_index(0x10 + 48), 0U);
    write_index(0x10 + 48, 0x12345678);
    EXPECT_EQ(read32(ioapic, 0x40), 0xffffffffU);
}

TEST(Msi, DecodesAddressAndData) {
    // Destination 0x05, logical, RH clear; vector 0x61, fixed, edge.
    auto const message = ApicBus::decode_msi(0xfee05004, 0x0061);
    ASSERT_TRUE(message.has_value());
    EXPECT_EQ(message->destination, 0x05);
    EXPECT_EQ(message->destination_mode, DestinationMode::Logical);
    EXPECT_FALSE(message->to_one);
    EXPECT_EQ(message->interrupt.vector, 0x61);
    EXPECT_EQ(message->interrupt.mode, DeliveryMode::Fixed);
    EXPECT_EQ(message->interrupt.trigger, TriggerMode::Edge);

    auto const lowest = ApicBus::decode_msi(0xfee0f008, 0xc172);
    ASSERT_TRUE(lowest.has_value());
    EXPECT_EQ(lowest->destination, 0x0f);
    EXPECT_EQ(lowest->destination_mode, DestinationMode::Physical);
    EXPECT_TRUE(lowest->to_one);
    EXPECT_EQ(lowest->interrupt.mode, DeliveryMode::LowestPriority);
    EXPECT_EQ(lowest->interrupt.trigger, TriggerMode::Level);
    EXPECT_TRUE(lowest->interrupt.assert);
}

TEST(Msi, RejectsNonInterruptAddressesAndReservedModes) {
    EXPECT_FALSE(ApicBus::decode_msi(0xfec00000, 0x30).has_value());
    EXPECT_FALSE(ApicBus::decode_msi(0x1'fee00000, 0x30).has_value());
    EXPECT_FALSE(ApicBus::decode_msi(0xfee00000, 0x0330).has_value());
}

TEST(Msi, SignalRoutesToTheAddressedApic) {
    ApicSystem system(2);
    system.bus.signal_msi(0xfee01000, 0x0045);
    EXPECT_TRUE(vector_bit(system[1], apic::kIrrBase, 0x45));
    EXPECT_FALSE(vector_bit(system[0], apic::kIrrBase, 0x45));
    EXPECT_EQ(system.wakes[1].load(), 1U);
}

} // namespace
} // namespace vireo::irqchip::test
