#include "devices/legacy/rtc_time.h"

#include <ctime>

namespace vireo::rtc {

namespace {

constexpr uint8_t kHourPm = 0x80; // bit 7 of the hours register in 12-hour mode

} // namespace

DateTime date_time_from_epoch(int64_t seconds) {
    auto const t = static_cast<time_t>(seconds);
    struct tm broken {};
    gmtime_r(&t, &broken);
    return DateTime{
        .year = broken.tm_year + 1900,
        .month = broken.tm_mon + 1,
        .day = broken.tm_mday,
        .hour = broken.tm_hour,
        .minute = broken.tm_min,
        .second = broken.tm_sec,
        .weekday = broken.tm_wday + 1,
    };
}

int64_t epoch_from_date_time(DateTime const& time) {
    struct tm broken {};
    broken.tm_year = time.year - 1900;
    broken.tm_mon = time.month - 1;
    broken.tm_mday = time.day;
    broken.tm_hour = time.hour;
    broken.tm_min = time.minute;
    broken.tm_sec = time.second;
    return static_cast<int64_t>(timegm(&broken));
}

uint8_t encode(int value, DataMode mode) {
    if (mode == DataMode::Binary)
        return static_cast<uint8_t>(value);
    return static_cast<uint8_t>(((value / 10) % 10) << 4 | (value % 10));
}

// A BCD byte with digits above 9 is the guest's mistake; it decodes to some number, which is
// all a real RTC would do with it.
int decode(uint8_t value, DataMode mode) {
    if (mode == DataMode::Binary)
        return value;
    return (value >> 4) * 10 + (value & 0x0f);
}

// 12-hour mode counts 12, 1, ..., 11 with the PM bit (MC146818A datasheet, table "Time, Calendar
// and Alarm Data Modes").
uint8_t encode_hour(int hour, DataMode data, HourMode hours) {
    if (hours == HourMode::TwentyFour)
        return encode(hour, data);
    int const twelve = hour % 12 == 0 ? 12 : hour % 12;
    return static_cast<uint8_t>(encode(twelve, data) | (hour >= 12 ? kHourPm : 0));
}

int decode_hour(uint8_t value, DataMode data, HourMode hours) {
    if (hours == HourMode::TwentyFour)
        return decode(value, data);
    int const twelve = decode(static_cast<uint8_t>(value & ~kHourPm), data);
    return twelve % 12 + ((value & kHourPm) ? 12 : 0);
}

} // namespace vireo::rtc
