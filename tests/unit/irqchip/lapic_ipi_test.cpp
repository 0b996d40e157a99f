// Inter-processor interrupts through the ICR: fixed, lowest priority, NMI, INIT and SIPI,
// shorthands, physical and logical destinations (Intel SDM Vol. 3A 11.6).
#include "irqchip_test_util.h"

namespace vireo::irqchip::test {
namespace {

// ICR low encodings (Intel SDM Vol. 3A Figure 11-12).
constexpr uint32_t kFixed = 0U << 8;
constexpr uint32_t kLowestPriority = 1U << 8;
constexpr uint32_t kNmi = 4U << 8;
constexpr uint32_t kInit = 5U << 8;
constexpr uint32_t kStartUp = 6U << 8;
constexpr uint32_t kLogical = 1U << 11;
constexpr uint32_t kAssert = 1U << 14;
constexpr uint32_t kLevel = 1U << 15;
constexpr uint32_t kSelf = 1U << 18;
constexpr uint32_t kAllIncludingSelf = 2U << 18;
constexpr uint32_t kAllExcludingSelf = 3U << 18;

std::vector<unsigned> receivers(ApicSystem& system, uint8_t vector) {
    std::vector<unsigned> result;
    for (unsigned i = 0; i < system.apics.size(); ++i) {
        if (vector_bit(system[i], apic::kIrrBase, vector))
            result.push_back(i);
    }
    return result;
}

TEST(LocalApicIpi, FixedPhysicalIpiReachesItsTargetAndWakesIt) {
    ApicSystem system(3);
    system.send_ipi(0, 2, kAssert | kFixed | 0x40);
    EXPECT_EQ(receivers(system, 0x40), std::vector<unsigned>{2});
    EXPECT_TRUE(system[2].has_pending());
    EXPECT_EQ(system.wakes[2].load(), 1U);
    EXPECT_EQ(system.wakes[1].load(), 0U);
    // Delivery is synchronous: the ICR never shows "send pending".
    EXPECT_EQ(system[0].read_register(apic::kIcrLow) & (1U << 12), 0U);
    EXPECT_EQ(system[0].read_register(apic::kIcrHigh), 2U << 24);
}

TEST(LocalApicIpi, PhysicalBroadcastReachesEveryone) {
    ApicSystem system(3);
    system.send_ipi(1, 0xff, kFixed | 0x41);
    EXPECT_EQ(receivers(system, 0x41), (std::vector<unsigned>{0, 1, 2}));
}

TEST(LocalApicIpi, Shorthands) {
    ApicSystem system(3);
    system.send_ipi(1, 0, kSelf | kFixed | 0x50);
    EXPECT_EQ(receivers(system, 0x50), std::vector<unsigned>{1});
    system.send_ipi(1, 0, kAllIncludingSelf | kFixed | 0x51);
    EXPECT_EQ(receivers(system, 0x51), (std::vector<unsigned>{0, 1, 2}));
    system.send_ipi(1, 0, kAllExcludingSelf | kFixed | 0x52);
    EXPECT_EQ(receivers(system, 0x52), (std::vector<unsigned>{0, 2}));
    // Self is valid with fixed delivery only.
    system.send_ipi(1, 0, kSelf | kNmi);
    EXPECT_FALSE(system[1].take_nmi());
}

TEST(LocalApicIpi, FlatLogicalDestinationIsABitMask) {
    ApicSystem system(3); // LDR bits 0x01, 0x02, 0x04
    system.send_ipi(0, 0x06, kLogical | kFixed | 0x60);
    EXPECT_EQ(receivers(system, 0x60), (std::vector<unsigned>{1, 2}));
    system.send_ipi(0, 0x08, kLogical | kFixed | 0x61);
    EXPECT_TRUE(receivers(system, 0x61).empty());
}

TEST(LocalApicIpi, ClusterLogicalDestinationMatchesClusterAndMember) {
    ApicSystem system(3);
    for (unsigned i = 0; i < 3; ++i)
        system[i].write_register(apic::kDfr, 0x0fffffff); // cluster model
    system[0].write_register(apic::kLdr, 0x11U << 24);    // cluster 1, member 1
    system[1].write_register(apic::kLdr, 0x12U << 24);    // cluster 1, member 2
    system[2].write_register(apic::kLdr, 0x21U << 24);    // cluster 2, member 1
    EXPECT_EQ(system[0].read_register(apic::kDfr), 0x0fffffffU);
    system.send_ipi(0, 0x13, kLogical | kFixed | 0x70);
    EXPECT_EQ(receivers(system, 0x70), (std::vector<unsigned>{0, 1}));
    system.send_ipi(0, 0xf1, kLogical | kFixed | 0x71); // member 1 of every cluster
    EXPECT_EQ(receivers(system, 0x71), (std::vector<unsigned>{0, 2}));
}

TEST(LocalApicIpi, LowestPriorityDeliversToExactlyOne) {
    ApicSystem system(3);
    system.send_ipi(2, 0x06, kLogical | kLowestPriority | 0x80);
    EXPECT_EQ(receivers(system, 0x80).size(), 1U);
}

TEST(LocalApicIpi, IllegalVectorIsNotSentAndSetsSenderEsr) {
    ApicSystem system(2);
    system.send_ipi(0, 1, kFixed | 0x0e);
    EXPECT_FALSE(system[1].has_pending());
    system[0].write_register(apic::kEsr, 0);
    EXPECT_EQ(system[0].read_register(apic::kEsr), apic::kEsrSendIllegalVector);
}

TEST(LocalApicIpi, NmiIpi) {
    ApicSystem system(2);
    system.send_ipi(0, 1, kNmi);
    EXPECT_TRUE(system[1].has_pending());
    EXPECT_TRUE(system[1].take_nmi());
    EXPECT_FALSE(system[1].has_pending());
}

// Linux's wakeup_secondary_cpu_via_init(): INIT assert, INIT de-assert, then two SIPIs.
TEST(LocalApicIpi, InitSipiSequenceStartsTheApOnce) {
    ApicSystem system(2);
    LocalApic& ap = system[1];
    ap.deliver(Interrupt{.mode = DeliveryMode::Fixed, .vector = 0x40});
    system.send_ipi(0, 1, kLevel | kAssert | kInit);
    EXPECT_TRUE(ap.has_pending());
    // INIT reset the AP's APIC: IRR gone, software-disabled, ID kept.
    EXPECT_FALSE(vector_bit(ap, apic::kIrrBase, 0x40));
    EXPECT_EQ(ap.read_register(apic::kSvr), 0xffU);
    EXPECT_EQ(ap.read_register(apic::kId), 1U << 24);
    system.send_ipi(0, 0, kAllIncludingSelf | kLevel | kInit); // de-assert: ignored
    EXPECT_FALSE(system[0].take_init());
    system.send_ipi(0, 1, kStartUp | 0x9a);
    system.send_ipi(0, 1, kStartUp | 0x9b);
    EXPECT_TRUE(ap.take_init());
    EXPECT_FALSE(ap.take_init());
    EXPECT_EQ(ap.take_sipi(), 0x9a);
    EXPECT_FALSE(ap.has_pending());
    // Once started, further SIPIs are ignored.
    system.send_ipi(0, 1, kStartUp | 0x9c);
    EXPECT_EQ(ap.take_sipi(), std::nullopt);
}

TEST(LocalApicIpi, SipiWithoutInitIsIgnoredByARunningCpu) {
    ApicSystem system(2);
    system.send_ipi(1, 0, kStartUp | 0x10);
    EXPECT_EQ(system[0].take_sipi(), std::nullopt);
    // An AP is in wait-for-SIPI from power-up.
    system.send_ipi(0, 1, kStartUp | 0x10);
    EXPECT_EQ(system[1].take_sipi(), 0x10);
}

TEST(LocalApicIpi, ApicBusRejectsOutOfOrderAttach) {
    ManualClock clock;
    ApicBus bus;
    auto apic = LocalApic::create(1, bus, clock, {});
    ASSERT_TRUE(apic.has_value());
    EXPECT_FALSE(bus.attach(**apic).has_value());
}

} // namespace
} // namespace vireo::irqchip::test
