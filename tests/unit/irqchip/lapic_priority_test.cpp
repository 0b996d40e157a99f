// Local APIC acceptance, priorities, INTA and EOI (Intel SDM Vol. 3A 11.8).
#include "irqchip_test_util.h"
#include "x86/registers.h"

namespace vireo::irqchip::test {
namespace {

Interrupt fixed(uint8_t vector, TriggerMode trigger = TriggerMode::Edge) {
    return Interrupt{.mode = DeliveryMode::Fixed, .vector = vector, .trigger = trigger};
}

class RecordingEoi final : public EoiListener {
public:
    void end_of_interrupt(uint8_t vector) override { vectors.push_back(vector); }
    std::vector<uint8_t> vectors;
};

TEST(LocalApicPriority, AcceptedVectorIsPendingUntilAcknowledged) {
    ApicSystem system(1);
    LocalApic& apic = system[0];
    EXPECT_FALSE(apic.has_pending());
    EXPECT_TRUE(apic.deliver(fixed(0x41)));
    EXPECT_TRUE(apic.has_pending());
    EXPECT_TRUE(vector_bit(apic, apic::kIrrBase, 0x41));
    ASSERT_EQ(apic.pending_vector(), 0x41);
    EXPECT_EQ(apic.acknowledge(0x41), 0x41);
    EXPECT_FALSE(vector_bit(apic, apic::kIrrBase, 0x41));
    EXPECT_TRUE(vector_bit(apic, apic::kIsrBase, 0x41));
    EXPECT_FALSE(apic.has_pending());
    EXPECT_EQ(apic.read_register(apic::kPpr), 0x40U);
    apic.write_register(apic::kEoi, 0);
    EXPECT_FALSE(vector_bit(apic, apic::kIsrBase, 0x41));
    EXPECT_EQ(apic.read_register(apic::kPpr), 0U);
}

TEST(LocalApicPriority, TprMasksClassesAtOrBelowIt) {
    ApicSystem system(1);
    LocalApic& apic = system[0];
    apic.write_register(apic::kTpr, 0x50);
    apic.deliver(fixed(0x5f));
    EXPECT_FALSE(apic.has_pending());
    EXPECT_EQ(apic.pending_vector(), std::nullopt);
    apic.deliver(fixed(0x60));
    EXPECT_TRUE(apic.has_pending());
    EXPECT_EQ(apic.pending_vector(), 0x60);
    EXPECT_EQ(apic.acknowledge(0x60), 0x60);
    apic.write_register(apic::kEoi, 0);
    EXPECT_FALSE(apic.has_pending());
    // Lowering the TPR releases the held vector.
    apic.write_register(apic::kTpr, 0x40);
    EXPECT_TRUE(apic.has_pending());
    EXPECT_EQ(apic.pending_vector(), 0x5f);
}

TEST(LocalApicPriority, Cr8IsTheTprClass) {
    ApicSystem system(1);
    LocalApic& apic = system[0];
    apic.write_cr8(0x7);
    EXPECT_EQ(apic.read_register(apic::kTpr), 0x70U);
    apic.write_register(apic::kTpr, 0x3c);
    EXPECT_EQ(apic.read_cr8(), 0x3);
    apic.deliver(fixed(0x70));
    apic.write_cr8(0x7);
    EXPECT_FALSE(apic.has_pending());
    apic.write_cr8(0x6);
    EXPECT_TRUE(apic.has_pending());
}

TEST(LocalApicPriority, HigherClassNestsAndEoiEndsTheHighestFirst) {
    ApicSystem system(1);
    LocalApic& apic = system[0];
    apic.deliver(fixed(0x40));
    ASSERT_EQ(apic.acknowledge(0x40), 0x40);
    // Same or lower class waits for the EOI; a higher class interrupts the handler.
    apic.deliver(fixed(0x31));
    apic.deliver(fixed(0x4e));
    EXPECT_EQ(apic.pending_vector(), std::nullopt);
    apic.deliver(fixed(0x80));
    ASSERT_EQ(apic.pending_vector(), 0x80);
    ASSERT_EQ(apic.acknowledge(0x80), 0x80);
    EXPECT_EQ(apic.read_register(apic::kPpr), 0x80U);
    apic.write_register(apic::kEoi, 0);
    EXPECT_FALSE(vector_bit(apic, apic::kIsrBase, 0x80));
    EXPECT_TRUE(vector_bit(apic, apic::kIsrBase, 0x40));
    EXPECT_EQ(apic.pending_vector(), std::nullopt);
    apic.write_register(apic::kEoi, 0);
    EXPECT_EQ(apic.pending_vector(), 0x4e);
    ASSERT_EQ(apic.acknowledge(0x4e), 0x4e);
    apic.write_register(apic::kEoi, 0);
    EXPECT_EQ(apic.pending_vector(), 0x31);
}

TEST(LocalApicPriority, ArbitrationPriorityFollowsTheSdmFormula) {
    ApicSystem system(1);
    LocalApic& apic = system[0];
    apic.write_register(apic::kTpr, 0x35);
    EXPECT_EQ(apic.read_register(apic::kApr), 0x35U);
    apic.deliver(fixed(0x62));
    EXPECT_EQ(apic.read_register(apic::kApr), 0x60U);
}

TEST(LocalApicPriority, WithdrawnVectorAcknowledgesAsSpurious) {
    ApicSystem system(1);
    LocalApic& apic = system[0];
    apic.deliver(fixed(0x50));
    apic.write_register(apic::kTpr, 0xf0);
    EXPECT_EQ(apic.acknowledge(0x50), ApicSystem::kSpuriousVector);
    EXPECT_TRUE(vector_bit(apic, apic::kIrrBase, 0x50));
    EXPECT_FALSE(vector_bit(apic, apic::kIsrBase, 0x50));
}

TEST(LocalApicPriority, SoftwareDisabledApicDropsFixedAndMasksLvts) {
    ApicSystem system(1);
    LocalApic& apic = system[0];
    apic.write_register(apic::kSvr, 0xff);
    EXPECT_FALSE(apic.deliver(fixed(0x40)));
    EXPECT_FALSE(vector_bit(apic, apic::kIrrBase, 0x40));
    apic.write_register(apic::kLvtTimer, 0x30);
    EXPECT_EQ(apic.read_register(apic::kLvtTimer), apic::kLvtMasked | 0x30);
    // NMIs still arrive (Intel SDM Vol. 3A 11.4.7.2).
    EXPECT_TRUE(apic.deliver(Interrupt{.mode = DeliveryMode::Nmi}));
    EXPECT_TRUE(apic.take_nmi());
    EXPECT_FALSE(apic.take_nmi());
}

TEST(LocalApicPriority, IllegalVectorIsReportedThroughEsr) {
    ApicSystem system(1);
    LocalApic& apic = system[0];
    apic.write_register(apic::kLvtError, 0xfe);
    EXPECT_FALSE(apic.deliver(fixed(0x0f)));
    EXPECT_EQ(apic.read_register(apic::kEsr), 0U); // latched only by an ESR write
    apic.write_register(apic::kEsr, 0);
    EXPECT_EQ(apic.read_register(apic::kEsr), apic::kEsrReceiveIllegalVector);
    apic.write_register(apic::kEsr, 0);
    EXPECT_EQ(apic.read_register(apic::kEsr), 0U);
    // The error LVT raised its vector.
    EXPECT_EQ(apic.pending_vector(), 0xfe);
}

TEST(LocalApicPriority, LevelTriggeredEoiIsBroadcastEdgeIsNot) {
    ApicSystem system(1);
    RecordingEoi eoi;
    system.bus.set_eoi_listener(&eoi);
    LocalApic& apic = system[0];
    apic.deliver(fixed(0x61, TriggerMode::Level));
    EXPECT_TRUE(vector_bit(apic, apic::kTmrBase, 0x61));
    apic.deliver(fixed(0x52));
    EXPECT_EQ(ApicSystem::take_and_eoi(apic), 0x61);
    EXPECT_EQ(ApicSystem::take_and_eoi(apic), 0x52);
    ASSERT_EQ(eoi.vectors.size(), 1U);
    EXPECT_EQ(eoi.vectors[0], 0x61);
}

TEST(LocalApicPriority, VersionAndResetValues) {
    ApicSystem system(2);
    EXPECT_EQ(system[0].read_register(apic::kVersion), 0x00050014U);
    EXPECT_EQ(system[1].read_register(apic::kId), 1U << 24);
    EXPECT_EQ(system[1].read_register(apic::kLvtLint0), apic::kLvtMasked);
    EXPECT_EQ(system[0].apic_base(), 0xfee00000U | x86::kApicBaseEnable | x86::kApicBaseBsp);
    EXPECT_EQ(system[1].apic_base(), 0xfee00000U | x86::kApicBaseEnable);
}

TEST(LocalApicPriority, MmioAccessesUseAlignedDwords) {
    ApicSystem system(1);
    LocalApic& apic = system[0];
    write32(apic, apic::kTpr, 0x20);
    EXPECT_EQ(read32(apic, apic::kTpr), 0x20U);
    std::array<uint8_t, 1> byte{0x90};
    apic.write(apic::kTpr, byte); // not a dword: dropped
    EXPECT_EQ(read32(apic, apic::kTpr), 0x20U);
    EXPECT_EQ(read32(apic, apic::kTpr + 4), 0U);
    std::array<uint8_t, 1> version_byte{};
    apic.read(apic::kVersion + 2, version_byte); // byte 2 holds the max LVT index
    EXPECT_EQ(version_byte[0], 5);
}

TEST(LocalApicPriority, ApicBaseRejectsReservedBitsAndX2Apic) {
    ApicSystem system(1);
    LocalApic& apic = system[0];
    uint64_t const base = apic.apic_base();
    EXPECT_FALSE(apic.write_apic_base(base | x86::kApicBaseX2Apic));
    EXPECT_FALSE(apic.write_apic_base(base | 0x1));
    EXPECT_EQ(apic.apic_base(), base);
    // Disabling resets the APIC; it then takes no messages.
    EXPECT_TRUE(apic.write_apic_base(base & ~x86::kApicBaseEnable));
    EXPECT_FALSE(apic.deliver(Interrupt{.mode = DeliveryMode::Nmi}));
    EXPECT_EQ(apic.apic_base() & x86::kApicBaseBsp, x86::kApicBaseBsp);
}

class FakeExtInt final : public ExtIntController {
public:
    std::optional<uint8_t> peek_vector() override { return vector; }
    uint8_t acknowledge_interrupt() override {
        ++acknowledged;
        return vector;
    }
    uint8_t vector = 0x30;
    unsigned acknowledged = 0;
};

TEST(LocalApicPriority, ExtIntOnLint0TakesTheVectorFromThePic) {
    ApicSystem system(1);
    LocalApic& apic = system[0];
    FakeExtInt pic;
    apic.set_extint_controller(&pic);
    apic.write_register(apic::kLvtLint0, apic::kLvtMasked | (7U << 8));
    apic.set_lint(LintPin::Lint0, true);
    EXPECT_FALSE(apic.has_pending()); // masked
    apic.write_register(apic::kLvtLint0, 7U << 8);
    EXPECT_TRUE(apic.has_pending());
    ASSERT_EQ(apic.pending_vector(), 0x30);
    // ExtINT bypasses the TPR and the IRR/ISR.
    apic.write_register(apic::kTpr, 0xf0);
    EXPECT_EQ(apic.acknowledge(0x30), 0x30);
    EXPECT_EQ(pic.acknowledged, 1U);
    EXPECT_FALSE(vector_bit(apic, apic::kIsrBase, 0x30));
    apic.set_lint(LintPin::Lint0, false);
    EXPECT_FALSE(apic.has_pending());
}

TEST(LocalApicPriority, Lint1NmiFiresOnRisingEdge) {
    ApicSystem system(1);
    LocalApic& apic = system[0];
    apic.write_register(apic::kLvtLint1, 4U << 8);
    apic.set_lint(LintPin::Lint1, true);
    apic.set_lint(LintPin::Lint1, true);
    EXPECT_TRUE(apic.take_nmi());
    EXPECT_FALSE(apic.take_nmi());
}

TEST(LocalApicPriority, VirtualWireWiresLint0AndLint1) {
    ManualClock clock(kStartNs);
    ApicBus bus;
    auto apic = LocalApic::create(0, bus, clock, {});
    ASSERT_TRUE(apic.has_value());
    (*apic)->enable_virtual_wire();
    EXPECT_EQ((*apic)->read_register(apic::kLvtLint0), 7U << 8);
    EXPECT_EQ((*apic)->read_register(apic::kLvtLint1), 4U << 8);
    EXPECT_NE((*apic)->read_register(apic::kSvr) & apic::kSvrEnable, 0U);
}

TEST(LocalApicPriority, CreateRejectsZeroFrequencies) {
    ManualClock clock;
    ApicBus bus;
    auto crystal = LocalApic::create(0, bus, clock, {.crystal_hz = 0});
    ASSERT_FALSE(crystal.has_value());
    EXPECT_NE(crystal.error().message().find("crystal"), std::string::npos);
    EXPECT_FALSE(LocalApic::create(0, bus, clock, {.tsc_hz = 0}).has_value());
    EXPECT_FALSE(LocalApic::create(255, bus, clock, {}).has_value());
}

} // namespace
} // namespace vireo::irqchip::test
