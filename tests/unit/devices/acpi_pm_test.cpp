#include <thread>

#include <gtest/gtest.h>

#include "devices/legacy/acpi_pm.h"
#include "fakes.h"
#include "x86/pc_layout.h"

namespace vireo {
namespace {

using test::read_port;
using test::write_port;

constexpr uint64_t kStatus = pc::kAcpiPm1aEvent - pc::kAcpiPmBase;
constexpr uint64_t kEnable = kStatus + 2;
constexpr uint64_t kControl = pc::kAcpiPm1aControl - pc::kAcpiPmBase;
constexpr uint64_t kTimer = pc::kAcpiPmTimer - pc::kAcpiPmBase;
constexpr uint64_t kGpeStatus = pc::kAcpiGpe0 - pc::kAcpiPmBase;
constexpr uint64_t kGpeEnable = kGpeStatus + 2;
constexpr uint64_t kReset = pc::kAcpiReset - pc::kAcpiPmBase;
constexpr uint16_t kPwrbtn = 1 << 8;
constexpr uint16_t kSlpEn = 1 << 13;
constexpr uint64_t kTimerHz = 3579545;

class AcpiPmTest : public ::testing::Test {
protected:
    test::FakeIrqLine sci_;
    test::FakeMachine machine_;
    AcpiPm pm_{sci_, machine_};
};

TEST_F(AcpiPmTest, SleepTypeS5WithSlpEnPowersOff) {
    uint16_t const s5 = pc::kAcpiS5SleepType << 10;
    write_port(pm_, kControl, s5, 2); // Linux writes SLP_TYP first...
    EXPECT_EQ(machine_.poweroffs, 0U);
    write_port(pm_, kControl, s5 | kSlpEn, 2); // ...then SLP_EN with it
    EXPECT_EQ(machine_.poweroffs, 1U);
    EXPECT_EQ(read_port(pm_, kControl, 2) & kSlpEn, 0U); // SLP_EN is write-only
}

TEST_F(AcpiPmTest, OtherSleepTypeWakesAtOnce) {
    write_port(pm_, kControl, (1 << 10) | kSlpEn, 2);
    EXPECT_EQ(machine_.poweroffs, 0U);
    EXPECT_EQ(read_port(pm_, kStatus, 2) & 0x8000, 0x8000U); // WAK_STS
}

TEST_F(AcpiPmTest, SciEnAlwaysReadsOne) {
    EXPECT_EQ(read_port(pm_, kControl, 2) & 1, 1U);
    write_port(pm_, kControl, 0, 2);
    EXPECT_EQ(read_port(pm_, kControl, 2) & 1, 1U);
}

TEST_F(AcpiPmTest, PowerButtonRaisesSciAndWriteOneClears) {
    pm_.press_power_button();
    EXPECT_EQ(read_port(pm_, kStatus, 2) & kPwrbtn, kPwrbtn);
    EXPECT_FALSE(sci_.level()); // PWRBTN_EN is clear
    write_port(pm_, kEnable, kPwrbtn, 2);
    EXPECT_TRUE(sci_.level());
    write_port(pm_, kStatus, 0, 2); // writing 0 clears nothing
    EXPECT_TRUE(sci_.level());
    write_port(pm_, kStatus, kPwrbtn, 2);
    EXPECT_FALSE(sci_.level());
    EXPECT_EQ(read_port(pm_, kStatus, 2) & kPwrbtn, 0U);
    pm_.press_power_button();
    EXPECT_TRUE(sci_.level());
    EXPECT_EQ(sci_.times_raised(), 2U);
}

// ACPICA accesses PM1 status and enable as one 32-bit register pair too.
TEST_F(AcpiPmTest, WideAccessCoversStatusAndEnable) {
    pm_.press_power_button();
    write_port(pm_, kStatus, uint32_t{kPwrbtn} << 16, 4); // enable only
    EXPECT_TRUE(sci_.level());
    EXPECT_EQ(read_port(pm_, kStatus, 4) >> 16, kPwrbtn);
    write_port(pm_, kStatus, (uint32_t{kPwrbtn} << 16) | kPwrbtn, 4);
    EXPECT_FALSE(sci_.level());
}

TEST_F(AcpiPmTest, ResetRegister) {
    write_port(pm_, kReset, 0x42, 1);
    EXPECT_EQ(machine_.resets, 0U);
    write_port(pm_, kReset, pc::kAcpiResetValue, 1);
    EXPECT_EQ(machine_.resets, 1U);
}

TEST_F(AcpiPmTest, GpeStatusIsWriteOneToClearAndEnableIsPlain) {
    write_port(pm_, kGpeEnable, 0x0201, 2);
    EXPECT_EQ(read_port(pm_, kGpeEnable, 2), 0x0201U);
    EXPECT_EQ(read_port(pm_, kGpeStatus, 2), 0U);
    EXPECT_FALSE(sci_.level());
}

TEST_F(AcpiPmTest, TimerRunsAt3579545Hz) {
    auto const t0 = AcpiPm::Clock::now();
    uint32_t const a = pm_.timer_at(t0);
    uint32_t const b = pm_.timer_at(t0 + std::chrono::seconds(1));
    uint32_t const ticks = b - a;
    EXPECT_NEAR(static_cast<double>(ticks), static_cast<double>(kTimerHz), 1.0);
}

TEST_F(AcpiPmTest, TimerPortFollowsTheHostClock) {
    auto const t0 = std::chrono::steady_clock::now();
    auto const first = static_cast<uint32_t>(read_port(pm_, kTimer, 4));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto const second = static_cast<uint32_t>(read_port(pm_, kTimer, 4));
    auto const elapsed = std::chrono::steady_clock::now() - t0;
    double const seconds = std::chrono::duration<double>(elapsed).count();
    double const ticks = second - first;
    EXPECT_GT(ticks, 0.045 * kTimerHz);
    EXPECT_LE(ticks, seconds * kTimerHz + 1);
}

TEST(AcpiPm24, TimerWrapsAt24Bits) {
    test::FakeIrqLine sci;
    test::FakeMachine machine;
    AcpiPm pm(sci, machine, AcpiPm::TimerWidth::Bits24);
    auto const t = AcpiPm::Clock::now() + std::chrono::seconds(7);
    EXPECT_LT(pm.timer_at(t), 1U << 24);
}

} // namespace
} // namespace vireo
