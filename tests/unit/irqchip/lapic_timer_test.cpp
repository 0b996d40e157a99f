// The local APIC timer: one-shot, periodic, TSC-deadline, divider and current-count
// readback computed from the clock (Intel SDM Vol. 3A 11.5.4).
#include "irqchip/apic_timer.h"
#include "irqchip_test_util.h"

namespace vireo::irqchip::test {
namespace {

constexpr uint64_t kCrystalHz = 25'000'000; // 40 ns per tick
constexpr uint64_t kTscHz = 2'000'000'000;
constexpr uint8_t kTimerVector = 0xec;
constexpr uint32_t kPeriodic = 1U << 17;
constexpr uint32_t kTscDeadline = 2U << 17;
constexpr uint32_t kDivideBy16 = 0x3;
constexpr uint32_t kDivideBy1 = 0xb;

class LocalApicTimer : public ::testing::Test {
protected:
    LocalApicTimer()
        : system(1, {.crystal_hz = kCrystalHz, .tsc_hz = kTscHz})
        , apic(system[0]) {}

    uint64_t now() const { return system.clock.now_ns(); }
    void advance_to(uint64_t ns) {
        system.clock.set(ns);
        apic.update_timers(ns);
    }
    bool timer_pending() { return vector_bit(apic, apic::kIrrBase, kTimerVector); }

    ApicSystem system;
    LocalApic& apic;
};

TEST(ApicTimerDivider, DecodesAllEightSettings) {
    // Intel SDM Vol. 3A Figure 11-10: bits 3, 1, 0.
    EXPECT_EQ(ApicTimer::divisor_from_config(0x0), 2U);
    EXPECT_EQ(ApicTimer::divisor_from_config(0x1), 4U);
    EXPECT_EQ(ApicTimer::divisor_from_config(0x2), 8U);
    EXPECT_EQ(ApicTimer::divisor_from_config(0x3), 16U);
    EXPECT_EQ(ApicTimer::divisor_from_config(0x8), 32U);
    EXPECT_EQ(ApicTimer::divisor_from_config(0x9), 64U);
    EXPECT_EQ(ApicTimer::divisor_from_config(0xa), 128U);
    EXPECT_EQ(ApicTimer::divisor_from_config(0xb), 1U);
}

TEST_F(LocalApicTimer, OneShotFiresOnceAtTheComputedDeadline) {
    apic.write_register(apic::kTimerDivide, kDivideBy16);
    apic.write_register(apic::kLvtTimer, kTimerVector);
    uint64_t const start = now();
    apic.write_register(apic::kTimerInitialCount, 1000);
    // 1000 counts x 16 / 25 MHz = 640 us.
    uint64_t const deadline = start + 640'000;
    ASSERT_EQ(apic.next_deadline_ns(), deadline);

    system.clock.set(start + 320'000);
    EXPECT_EQ(apic.read_register(apic::kTimerCurrentCount), 500U);
    advance_to(deadline - 1);
    EXPECT_FALSE(timer_pending());
    EXPECT_EQ(apic.read_register(apic::kTimerCurrentCount), 1U);
    advance_to(deadline);
    EXPECT_TRUE(timer_pending());
    EXPECT_TRUE(apic.has_pending());
    EXPECT_EQ(apic.read_register(apic::kTimerCurrentCount), 0U);
    EXPECT_EQ(apic.next_deadline_ns(), std::nullopt);
    EXPECT_EQ(apic.read_register(apic::kTimerInitialCount), 1000U);
    EXPECT_GE(system.wakes[0].load(), 1U);
}

TEST_F(LocalApicTimer, PeriodicReloadsAndCollapsesMissedPeriods) {
    apic.write_register(apic::kTimerDivide, kDivideBy1);
    apic.write_register(apic::kLvtTimer, kPeriodic | kTimerVector);
    uint64_t const start = now();
    apic.write_register(apic::kTimerInitialCount, 2500); // 100 us
    EXPECT_EQ(apic.next_deadline_ns(), start + 100'000);
    advance_to(start + 100'000);
    EXPECT_EQ(ApicSystem::take_and_eoi(apic), kTimerVector);
    EXPECT_EQ(apic.next_deadline_ns(), start + 200'000);
    system.clock.set(start + 150'000);
    EXPECT_EQ(apic.read_register(apic::kTimerCurrentCount), 1250U);
    // Five periods pass unobserved: one interrupt, and the next deadline is in the future.
    advance_to(start + 650'000);
    EXPECT_EQ(ApicSystem::take_and_eoi(apic), kTimerVector);
    EXPECT_EQ(apic.pending_vector(), std::nullopt);
    EXPECT_EQ(apic.next_deadline_ns(), start + 700'000);
    // A zero initial count stops it.
    apic.write_register(apic::kTimerInitialCount, 0);
    EXPECT_EQ(apic.next_deadline_ns(), std::nullopt);
}

TEST_F(LocalApicTimer, DividerChangeKeepsTheCurrentCount) {
    apic.write_register(apic::kTimerDivide, kDivideBy1);
    apic.write_register(apic::kLvtTimer, kTimerVector);
    uint64_t const start = now();
    apic.write_register(apic::kTimerInitialCount, 1000); // 40 us at divide by 1
    system.clock.set(start + 20'000);
    EXPECT_EQ(apic.read_register(apic::kTimerCurrentCount), 500U);
    apic.write_register(apic::kTimerDivide, kDivideBy16);
    EXPECT_EQ(apic.read_register(apic::kTimerCurrentCount), 500U);
    EXPECT_EQ(apic.read_register(apic::kTimerDivide), kDivideBy16);
    // The remaining 500 counts now take 500 x 16 x 40 ns.
    EXPECT_EQ(apic.next_deadline_ns(), start + 20'000 + 320'000);
}

TEST_F(LocalApicTimer, MaskedTimerExpiresSilently) {
    apic.write_register(apic::kLvtTimer, apic::kLvtMasked | kTimerVector);
    uint64_t const start = now();
    apic.write_register(apic::kTimerInitialCount, 100);
    advance_to(start + 1'000'000);
    EXPECT_FALSE(timer_pending());
    EXPECT_EQ(apic.read_register(apic::kTimerCurrentCount), 0U);
    EXPECT_EQ(apic.next_deadline_ns(), std::nullopt);
}

TEST_F(LocalApicTimer, TscDeadlineFiresWhenTheTscReachesIt) {
    apic.write_register(apic::kLvtTimer, kTscDeadline | kTimerVector);
    // TSC = now_ns * 2: one millisecond ahead is 2,000,000 TSC cycles ahead.
    uint64_t const tsc_now = now() * 2;
    apic.write_tsc_deadline(tsc_now + 2'000'000);
    EXPECT_EQ(apic.read_tsc_deadline(), tsc_now + 2'000'000);
    EXPECT_EQ(apic.next_deadline_ns(), now() + 1'000'000);
    // The count registers do nothing in this mode.
    apic.write_register(apic::kTimerInitialCount, 5);
    EXPECT_EQ(apic.read_register(apic::kTimerInitialCount), 0U);
    EXPECT_EQ(apic.read_register(apic::kTimerCurrentCount), 0U);
    advance_to(now() + 999'999);
    EXPECT_FALSE(timer_pending());
    advance_to(now() + 1);
    EXPECT_TRUE(timer_pending());
    // Firing disarms the timer and clears the MSR.
    EXPECT_EQ(apic.read_tsc_deadline(), 0U);
    EXPECT_EQ(apic.next_deadline_ns(), std::nullopt);
}

TEST_F(LocalApicTimer, TscDeadlineInThePastFiresAtOnce) {
    apic.write_register(apic::kLvtTimer, kTscDeadline | kTimerVector);
    apic.write_tsc_deadline(1);
    EXPECT_TRUE(timer_pending());
    EXPECT_EQ(apic.read_tsc_deadline(), 0U);
}

TEST_F(LocalApicTimer, TscDeadlineMsrIgnoredOutsideItsModeAndDisarmedByModeChange) {
    apic.write_register(apic::kLvtTimer, kTimerVector);
    apic.write_tsc_deadline(now() * 2 + 1000);
    EXPECT_EQ(apic.read_tsc_deadline(), 0U);
    EXPECT_EQ(apic.next_deadline_ns(), std::nullopt);

    apic.write_register(apic::kLvtTimer, kTscDeadline | kTimerVector);
    apic.write_tsc_deadline(now() * 2 + 1000);
    EXPECT_TRUE(apic.next_deadline_ns().has_value());
    apic.write_register(apic::kLvtTimer, kTimerVector);
    EXPECT_EQ(apic.next_deadline_ns(), std::nullopt);
    EXPECT_EQ(apic.read_tsc_deadline(), 0U);
}

TEST(LocalApicTimerConfig, TscDeadlineModeAbsentWhenNotAdvertised) {
    ApicSystem system(1, {.tsc_deadline = false});
    system[0].write_register(apic::kLvtTimer, kTscDeadline | kTimerVector);
    EXPECT_EQ(system[0].read_register(apic::kLvtTimer), uint32_t{kTimerVector});
}

TEST_F(LocalApicTimer, OneShotToPeriodicKeepsCounting) {
    apic.write_register(apic::kTimerDivide, kDivideBy1);
    apic.write_register(apic::kLvtTimer, kTimerVector);
    uint64_t const start = now();
    apic.write_register(apic::kTimerInitialCount, 1000); // 40 us
    system.clock.set(start + 10'000);
    apic.write_register(apic::kLvtTimer, kPeriodic | kTimerVector);
    EXPECT_EQ(apic.read_register(apic::kTimerCurrentCount), 750U);
    advance_to(start + 40'000);
    EXPECT_TRUE(timer_pending());
    EXPECT_EQ(apic.next_deadline_ns(), start + 80'000);
}

} // namespace
} // namespace vireo::irqchip::test
