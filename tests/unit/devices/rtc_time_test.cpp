#include <gtest/gtest.h>

#include "devices/legacy/rtc_time.h"

namespace vireo::rtc {
namespace {

TEST(RtcTime, EpochRoundTrip) {
    auto const t = date_time_from_epoch(1709214307); // 2024-02-29 13:45:07 UTC, Thursday
    EXPECT_EQ(t.year, 2024);
    EXPECT_EQ(t.month, 2);
    EXPECT_EQ(t.day, 29);
    EXPECT_EQ(t.hour, 13);
    EXPECT_EQ(t.minute, 45);
    EXPECT_EQ(t.second, 7);
    EXPECT_EQ(t.weekday, 5);
    EXPECT_EQ(epoch_from_date_time(t), 1709214307);
}

TEST(RtcTime, Bcd) {
    EXPECT_EQ(encode(59, DataMode::Bcd), 0x59);
    EXPECT_EQ(encode(59, DataMode::Binary), 59);
    EXPECT_EQ(decode(0x42, DataMode::Bcd), 42);
    EXPECT_EQ(decode(0x42, DataMode::Binary), 0x42);
}

TEST(RtcTime, TwelveHourEncoding) {
    EXPECT_EQ(encode_hour(0, DataMode::Bcd, HourMode::Twelve), 0x12);
    EXPECT_EQ(encode_hour(11, DataMode::Bcd, HourMode::Twelve), 0x11);
    EXPECT_EQ(encode_hour(12, DataMode::Bcd, HourMode::Twelve), 0x92);
    EXPECT_EQ(encode_hour(23, DataMode::Binary, HourMode::Twelve), 0x8b);
    for (int hour = 0; hour < 24; ++hour) {
        for (auto data : {DataMode::Bcd, DataMode::Binary}) {
            for (auto hours : {HourMode::Twelve, HourMode::TwentyFour})
                EXPECT_EQ(decode_hour(encode_hour(hour, data, hours), data, hours), hour);
        }
    }
}

} // namespace
} // namespace vireo::rtc
