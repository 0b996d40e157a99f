// Calendar arithmetic and register encodings for the MC146818 RTC: pure functions, so the
// device logic stays about registers and the conversions can be tested on their own.
#pragma once

#include <cstdint>

namespace vireo::rtc {

// A UTC date and time as the RTC's registers hold it.
struct DateTime {
    int year = 1970; // full year; the RTC splits it into century and year registers
    int month = 1;   // 1-12
    int day = 1;     // 1-31
    int hour = 0;    // 0-23
    int minute = 0;
    int second = 0;
    int weekday = 5; // 1-7, Sunday = 1 (MC146818 datasheet, "day of week" register)
};

DateTime date_time_from_epoch(int64_t seconds);

// Out-of-range fields (a guest wrote month 13) are normalized the way timegm() does rather
// than rejected: the guest gets a clock that runs, not a crash.
int64_t epoch_from_date_time(DateTime const& time);

// The data mode of register B: BCD or binary (MC146818 datasheet, "DM" bit).
enum class DataMode { Bcd, Binary };
// The hour format of register B: 12-hour with bit 7 as PM, or 24-hour ("24/12" bit).
enum class HourMode { Twelve, TwentyFour };

uint8_t encode(int value, DataMode mode);
int decode(uint8_t value, DataMode mode);
uint8_t encode_hour(int hour, DataMode data, HourMode hours);
int decode_hour(uint8_t value, DataMode data, HourMode hours);

} // namespace vireo::rtc
