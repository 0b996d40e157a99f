#include <ctime>
#include <thread>

#include <gtest/gtest.h>

#include "devices/legacy/cmos_rtc.h"
#include "fakes.h"

namespace vireo {
namespace {

using std::chrono::system_clock;
using test::read_port;
using test::write_port;

constexpr uint8_t kRegA = 0x0a;
constexpr uint8_t kRegB = 0x0b;
constexpr uint8_t kRegC = 0x0c;
constexpr uint8_t kSet = 0x80, kPie = 0x40, kAie = 0x20, kUie = 0x10, kBinary = 0x04, k24h = 0x02;
constexpr uint8_t kUip = 0x80;
constexpr uint8_t kIrqf = 0x80, kPf = 0x40, kAf = 0x20, kUf = 0x10;

// 2024-02-29 13:45:07 UTC, a Thursday.
constexpr int64_t kLeapDay = 1709214307;

class FakeClock {
public:
    explicit FakeClock(int64_t seconds)
        : now_(system_clock::from_time_t(seconds)) {}
    CmosRtc::WallClock function() {
        return [this] {
            return now_;
        };
    }
    void advance(std::chrono::nanoseconds by) { now_ += by; }
    void set_fraction(std::chrono::nanoseconds within_second) {
        now_ = std::chrono::floor<std::chrono::seconds>(now_) + within_second;
    }

private:
    system_clock::time_point now_;
};

class RtcTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto created = CmosRtc::create(irq_, nullptr, clock_.function());
        ASSERT_TRUE(created) << created.error().message();
        rtc_ = *created;
    }
    uint8_t in(uint8_t index) {
        write_port(*rtc_, 0, index);
        return static_cast<uint8_t>(read_port(*rtc_, 1));
    }
    void out(uint8_t index, uint8_t value) {
        write_port(*rtc_, 0, index);
        write_port(*rtc_, 1, value);
    }

    FakeClock clock_{kLeapDay};
    test::FakeIrqLine irq_;
    std::shared_ptr<CmosRtc> rtc_;
};

TEST_F(RtcTest, BcdTwentyFourHourByDefault) {
    EXPECT_EQ(in(kRegB) & (kBinary | k24h), k24h);
    EXPECT_EQ(in(0x00), 0x07);
    EXPECT_EQ(in(0x02), 0x45);
    EXPECT_EQ(in(0x04), 0x13);
    EXPECT_EQ(in(0x06), 5); // Thursday, with Sunday = 1
    EXPECT_EQ(in(0x07), 0x29);
    EXPECT_EQ(in(0x08), 0x02);
    EXPECT_EQ(in(0x09), 0x24);
    EXPECT_EQ(in(0x32), 0x20); // century
    EXPECT_EQ(in(0x0d), 0x80); // valid RAM and time
}

TEST_F(RtcTest, BinaryMode) {
    out(kRegB, kBinary | k24h);
    EXPECT_EQ(in(0x00), 7);
    EXPECT_EQ(in(0x02), 45);
    EXPECT_EQ(in(0x04), 13);
    EXPECT_EQ(in(0x07), 29);
    EXPECT_EQ(in(0x09), 24);
    EXPECT_EQ(in(0x32), 20);
}

TEST_F(RtcTest, TwelveHourModeMarksPm) {
    out(kRegB, 0);             // BCD, 12-hour
    EXPECT_EQ(in(0x04), 0x81); // 1 PM
    out(kRegB, kBinary);
    EXPECT_EQ(in(0x04), 0x81);
    out(kRegB, kBinary | kSet);
    out(0x04, 12); // 12 AM is midnight
    out(kRegB, kBinary | k24h);
    EXPECT_EQ(in(0x04), 0);
}

TEST_F(RtcTest, SettingTheClockKeepsAnOffsetThatRuns) {
    // Linux's mc146818_set_time: SET, write the fields, clear SET.
    out(kRegB, kSet | k24h);
    out(0x00, 0x58);
    out(0x02, 0x59);
    out(0x04, 0x23);
    out(0x07, 0x31);
    out(0x08, 0x12);
    out(0x09, 0x99);
    out(0x32, 0x19);
    EXPECT_EQ(in(0x09), 0x99); // the held time reads back while SET is on
    out(kRegB, k24h);
    clock_.advance(std::chrono::seconds(3));
    EXPECT_EQ(in(0x00), 0x01); // 23:59:58 + 3 s = 00:00:01 on 2000-01-01
    EXPECT_EQ(in(0x02), 0x00);
    EXPECT_EQ(in(0x07), 0x01);
    EXPECT_EQ(in(0x08), 0x01);
    EXPECT_EQ(in(0x09), 0x00);
    EXPECT_EQ(in(0x32), 0x20);
    EXPECT_EQ(in(0x06), 7); // 2000-01-01 was a Saturday
}

TEST_F(RtcTest, WriteWithoutSetTakesEffectAtOnce) {
    out(0x02, 0x10);
    EXPECT_EQ(in(0x02), 0x10);
    EXPECT_EQ(in(0x04), 0x13);
}

TEST_F(RtcTest, GarbageFromTheGuestDoesNotStopTheClock) {
    out(kRegB, kSet | k24h);
    out(0x08, 0xff);
    out(0x07, 0x00);
    out(kRegB, k24h);
    uint8_t const month = in(0x08);
    EXPECT_GE(month, 0x01);
    EXPECT_LE(month, 0x12);
}

TEST_F(RtcTest, UpdateInProgressJustBeforeEachSecond) {
    clock_.set_fraction(std::chrono::microseconds(999900));
    EXPECT_EQ(in(kRegA)&kUip, kUip);
    clock_.set_fraction(std::chrono::milliseconds(500));
    EXPECT_EQ(in(kRegA)&kUip, 0);
    EXPECT_EQ(in(kRegA)&0x7f, 0x26);
}

TEST_F(RtcTest, NvramKeepsEveryByte) {
    for (unsigned i = 0x0e; i < 0x80; ++i) {
        if (i != 0x32)
            out(static_cast<uint8_t>(i), static_cast<uint8_t>(i ^ 0x5a));
    }
    for (unsigned i = 0x0e; i < 0x80; ++i) {
        if (i == 0x32)
            continue;
        EXPECT_EQ(in(static_cast<uint8_t>(i)), static_cast<uint8_t>(i ^ 0x5a)) << i;
    }
    rtc_->set_nvram(0x34, 0x77);
    EXPECT_EQ(in(0x34), 0x77);
}

TEST_F(RtcTest, IndexPortBitSevenDisablesNmi) {
    write_port(*rtc_, 0, 0x80 | 0x09);
    EXPECT_TRUE(rtc_->nmi_disabled());
    EXPECT_EQ(read_port(*rtc_, 1), 0x24U); // index 9 is still selected
    write_port(*rtc_, 0, 0x09);
    EXPECT_FALSE(rtc_->nmi_disabled());
}

TEST_F(RtcTest, UpdateFlagRaisesIrqWhenEnabledAndReadingCClears) {
    out(kRegB, k24h | kUie);
    EXPECT_EQ(in(kRegC), 0);
    clock_.advance(std::chrono::seconds(1));
    EXPECT_EQ(in(kRegA)&kUip, 0); // any access notices the update
    EXPECT_TRUE(irq_.level());
    EXPECT_EQ(in(kRegC), kIrqf | kUf | kPf); // PF runs at 1024 Hz, but PIE is off
    EXPECT_FALSE(irq_.level());
    EXPECT_EQ(in(kRegC), 0);
}

TEST_F(RtcTest, FlagsWithoutEnablesDoNotInterrupt) {
    clock_.advance(std::chrono::seconds(1));
    EXPECT_EQ(in(kRegC), kUf | kPf);
    EXPECT_FALSE(irq_.level());
}

TEST_F(RtcTest, AlarmMatchesWithDontCareFields) {
    out(0x01, 0x08); // seconds alarm: :08
    out(0x03, 0xc0); // any minute
    out(0x05, 0xc0); // any hour
    out(kRegB, k24h | kAie);
    in(kRegC);
    clock_.advance(std::chrono::seconds(1)); // :08
    EXPECT_EQ(in(kRegC) & (kIrqf | kAf), kIrqf | kAf);
    clock_.advance(std::chrono::seconds(1)); // :09
    EXPECT_EQ(in(kRegC)&kAf, 0);
}

TEST(RtcHostTime, WithinASecondOfTheHost) {
    test::FakeIrqLine irq;
    auto rtc = std::move(*CmosRtc::create(irq, nullptr));
    auto in = [&](uint8_t index) {
        write_port(*rtc, 0, index);
        return static_cast<int>(read_port(*rtc, 1));
    };
    write_port(*rtc, 0, kRegB);
    write_port(*rtc, 1, kBinary | k24h);
    while (in(kRegA)&kUip) {
    }
    struct tm fields {};
    fields.tm_sec = in(0x00);
    fields.tm_min = in(0x02);
    fields.tm_hour = in(0x04);
    fields.tm_mday = in(0x07);
    fields.tm_mon = in(0x08) - 1;
    fields.tm_year = in(0x32) * 100 + in(0x09) - 1900;
    int64_t const rtc_seconds = timegm(&fields);
    int64_t const host_seconds = time(nullptr);
    EXPECT_LE(std::llabs(rtc_seconds - host_seconds), 1);
}

// With an EventLoop, an enabled periodic interrupt arrives without the guest polling.
TEST(RtcInterrupts, PeriodicInterruptArrivesThroughTheLoop) {
    auto loop = std::move(*EventLoop::create());
    loop->start();
    test::FakeIrqLine irq;
    auto rtc = std::move(*CmosRtc::create(irq, loop.get()));
    write_port(*rtc, 0, kRegA);
    write_port(*rtc, 1, 0x26); // 1024 Hz
    write_port(*rtc, 0, kRegB);
    write_port(*rtc, 1, k24h | kPie);
    auto wait_for_irq = [&] {
        auto const deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        while (!irq.level() && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        return irq.level();
    };
    ASSERT_TRUE(wait_for_irq());
    write_port(*rtc, 0, kRegC);
    EXPECT_EQ(read_port(*rtc, 1) & (kIrqf | kPf), uint64_t{kIrqf | kPf});
    ASSERT_TRUE(wait_for_irq()); // and again after the guest acknowledged it
    EXPECT_GE(irq.times_raised(), 2U);
    loop->stop();
}

} // namespace
} // namespace vireo
