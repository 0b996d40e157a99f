#include "devices/legacy/cmos_rtc.h"

#include <sys/epoll.h>
#include <sys/timerfd.h>

#include "base/trace.h"

namespace vireo {

namespace {

using std::chrono::system_clock;

// Register indices (MC146818A datasheet, "Address Map").
constexpr uint8_t kSeconds = 0x00;
constexpr uint8_t kSecondsAlarm = 0x01;
constexpr uint8_t kMinutes = 0x02;
constexpr uint8_t kMinutesAlarm = 0x03;
constexpr uint8_t kHours = 0x04;
constexpr uint8_t kHoursAlarm = 0x05;
constexpr uint8_t kWeekday = 0x06;
constexpr uint8_t kDay = 0x07;
constexpr uint8_t kMonth = 0x08;
constexpr uint8_t kYear = 0x09;
constexpr uint8_t kRegisterA = 0x0a;
constexpr uint8_t kRegisterB = 0x0b;
constexpr uint8_t kRegisterC = 0x0c;
constexpr uint8_t kRegisterD = 0x0d;
// The century byte in CMOS RAM on IBM PC/AT compatibles; the FADT's CENTURY field names it
// (ACPI 6.5 5.2.9).
constexpr uint8_t kCentury = 0x32;
constexpr uint8_t kIndexMask = 0x7f;
constexpr uint8_t kNmiDisable = 0x80; // bit 7 of the index port on PCs

// Register A: update in progress, divider select, periodic rate select.
constexpr uint8_t kUip = 0x80;
constexpr uint8_t kRateMask = 0x0f;
constexpr uint8_t kWritableA = 0x7f;
// 32.768 kHz time base and a 1024 Hz periodic rate: what PC firmware programs.
constexpr uint8_t kDefaultA = 0x26;
// Register B.
constexpr uint8_t kSet = 0x80;
constexpr uint8_t kPie = 0x40; // enable bits at the positions of their flags in C
constexpr uint8_t kAie = 0x20;
constexpr uint8_t kUie = 0x10;
constexpr uint8_t kBinary = 0x04;
constexpr uint8_t k24Hour = 0x02;
constexpr uint8_t kDefaultB = k24Hour;
// Register C: interrupt request and the three event flags, cleared by reading C.
constexpr uint8_t kIrqf = 0x80;
constexpr uint8_t kPf = 0x40;
constexpr uint8_t kAf = 0x20;
constexpr uint8_t kUf = 0x10;
// Register D: valid RAM and time (the battery is good).
constexpr uint8_t kVrt = 0x80;
// An alarm byte with its two top bits set matches any value ("don't care" code).
constexpr uint8_t kAlarmDontCare = 0xc0;

// UIP rises 244 us before each update cycle (MC146818A datasheet, "Update Cycle").
constexpr int64_t kUipLeadNanos = 244000;
constexpr int64_t kNanosPerSecond = 1000000000;

// The registers that show the time and date (the alarms are plain bytes).
bool is_clock_register(uint8_t index) {
    switch (index) {
    case kSeconds:
    case kMinutes:
    case kHours:
    case kWeekday:
    case kDay:
    case kMonth:
    case kYear:
    case kCentury:
        return true;
    default:
        return false;
    }
}

int64_t nanos_since_epoch(system_clock::time_point now) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
}

int64_t floor_div(int64_t a, int64_t b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// Periodic interrupt rates for the 32.768 kHz time base (MC146818A datasheet, "Periodic
// Interrupt Rate and Square-Wave Output Frequency"): rates 1 and 2 repeat 8 and 9.
int64_t periodic_hz(uint8_t rate) {
    if (rate == 0)
        return 0;
    if (rate <= 2)
        return 32768 >> (rate + 6);
    return 32768 >> (rate - 1);
}

int64_t period_index(int64_t nanos, int64_t hz) {
    return static_cast<int64_t>(static_cast<__int128>(nanos) * hz / kNanosPerSecond);
}

bool alarm_field_matches(uint8_t alarm, uint8_t current) {
    return (alarm & kAlarmDontCare) == kAlarmDontCare || alarm == current;
}

} // namespace

Result<std::shared_ptr<CmosRtc>> CmosRtc::create(IrqLine& irq, EventLoop* loop, WallClock clock) {
    if (!clock)
        clock = [] {
            return system_clock::now();
        };
    UniqueFd timer;
    if (loop != nullptr) {
        timer = UniqueFd(timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC));
        if (!timer.valid())
            return errno_error("RTC: timerfd_create");
    }
    auto rtc = std::shared_ptr<CmosRtc>(new CmosRtc(irq, loop, std::move(timer), std::move(clock)));
    TRY(rtc->start_timer());
    return rtc;
}

CmosRtc::CmosRtc(IrqLine& irq, EventLoop* loop, UniqueFd timer, WallClock clock)
    : irq_(irq)
    , loop_(loop)
    , timer_(std::move(timer))
    , clock_(std::move(clock)) {
    cmos_[kRegisterA] = kDefaultA;
    cmos_[kRegisterB] = kDefaultB;
    int64_t const now = nanos_since_epoch(clock_());
    last_update_second_ = floor_div(now, kNanosPerSecond);
    last_period_ = period_index(now, periodic_hz(kDefaultA & kRateMask));
}

// The callback holds only a weak reference: a tick that races with destruction does nothing.
Result<void> CmosRtc::start_timer() {
    if (loop_ == nullptr)
        return {};
    std::weak_ptr<CmosRtc> weak = weak_from_this();
    return loop_->add(timer_.get(), EPOLLIN, [weak](uint32_t) {
        if (auto rtc = weak.lock())
            rtc->on_timer();
    });
}

CmosRtc::~CmosRtc() {
    if (loop_ != nullptr && timer_.valid())
        loop_->remove(timer_.get());
}

void CmosRtc::on_timer() {
    uint64_t expirations = 0;
    [[maybe_unused]] auto got = ::read(timer_.get(), &expirations, sizeof(expirations));
    IrqSample sample;
    {
        std::lock_guard lock(mutex_);
        update_flags(clock_());
        sample = irq_.sample(irq_level());
    }
    irq_.apply(sample);
}

// Port 0x70 is write-only on PCs; reading it returns all ones. A wide access reaches 0x70 and
// 0x71 in turn, which is how firmware sometimes writes index and data with one OUTW.
void CmosRtc::read(uint64_t offset, std::span<uint8_t> data) {
    IrqSample sample;
    {
        std::lock_guard lock(mutex_);
        update_flags(clock_());
        for (size_t i = 0; i < data.size(); ++i)
            data[i] = offset + i == 1 ? read_data() : 0xff;
        sample = irq_.sample(irq_level());
    }
    irq_.apply(sample);
}

void CmosRtc::write(uint64_t offset, std::span<uint8_t const> data) {
    IrqSample sample;
    {
        std::lock_guard lock(mutex_);
        update_flags(clock_());
        for (size_t i = 0; i < data.size(); ++i) {
            if (offset + i == 0) {
                index_ = data[i] & kIndexMask;
                nmi_disabled_ = (data[i] & kNmiDisable) != 0;
            } else if (offset + i == 1) {
                write_data(data[i]);
            }
        }
        sample = irq_.sample(irq_level());
    }
    irq_.apply(sample);
}

void CmosRtc::set_nvram(uint8_t index, uint8_t value) {
    std::lock_guard lock(mutex_);
    if (index > kRegisterD && index < cmos_.size() && index != kCentury)
        cmos_[index] = value;
}

CmosRtc::Nvram CmosRtc::nvram() {
    std::lock_guard lock(mutex_);
    return cmos_;
}

void CmosRtc::restore_nvram(Nvram const& bytes) {
    for (size_t index = kRegisterD + 1; index < bytes.size(); ++index)
        set_nvram(static_cast<uint8_t>(index), bytes[index]);
}

bool CmosRtc::nmi_disabled() {
    std::lock_guard lock(mutex_);
    return nmi_disabled_;
}

uint8_t CmosRtc::read_data() {
    auto const now = clock_();
    if (is_clock_register(index_))
        return read_clock_register(index_, now);
    switch (index_) {
    case kRegisterA:
        return static_cast<uint8_t>(cmos_[kRegisterA] | (update_in_progress(now) ? kUip : 0));
    case kRegisterC:
        return read_register_c();
    case kRegisterD:
        return kVrt;
    default:
        return cmos_[index_]; // alarms, register B and NVRAM
    }
}

void CmosRtc::write_data(uint8_t value) {
    if (is_clock_register(index_)) {
        write_clock_register(index_, value);
        return;
    }
    switch (index_) {
    case kRegisterA:
        cmos_[kRegisterA] = value & kWritableA;
        last_period_ =
            period_index(nanos_since_epoch(clock_()), periodic_hz(cmos_[kRegisterA] & kRateMask));
        reprogram_timer();
        break;
    case kRegisterB:
        write_register_b(value);
        break;
    case kRegisterC:
    case kRegisterD:
        break; // read-only
    default:
        cmos_[index_] = value;
        break;
    }
}

uint8_t CmosRtc::read_clock_register(uint8_t index, system_clock::time_point now) {
    auto const time = (cmos_[kRegisterB] & kSet) ? frozen_ : current_time(now);
    auto const mode = data_mode();
    switch (index) {
    case kSeconds:
        return rtc::encode(time.second, mode);
    case kMinutes:
        return rtc::encode(time.minute, mode);
    case kHours:
        return rtc::encode_hour(time.hour, mode, hour_mode());
    case kWeekday:
        return rtc::encode(time.weekday, mode);
    case kDay:
        return rtc::encode(time.day, mode);
    case kMonth:
        return rtc::encode(time.month, mode);
    case kYear:
        return rtc::encode(time.year % 100, mode);
    default:
        return rtc::encode(time.year / 100, mode);
    }
}

// Setting the clock: while SET holds the clock, writes edit the held time and take effect
// when SET is cleared (how Linux's mc146818_set_time does it); otherwise each write takes
// effect at once. The day of the week follows from the date, so writes to it are dropped.
void CmosRtc::write_clock_register(uint8_t index, uint8_t value) {
    bool const held = (cmos_[kRegisterB] & kSet) != 0;
    auto time = held ? frozen_ : current_time(clock_());
    auto const mode = data_mode();
    int const number = rtc::decode(value, mode);
    switch (index) {
    case kSeconds:
        time.second = number;
        break;
    case kMinutes:
        time.minute = number;
        break;
    case kHours:
        time.hour = rtc::decode_hour(value, mode, hour_mode());
        break;
    case kDay:
        time.day = number;
        break;
    case kMonth:
        time.month = number;
        break;
    case kYear:
        time.year = time.year / 100 * 100 + number;
        break;
    case kCentury:
        time.year = number * 100 + time.year % 100;
        break;
    default:
        return;
    }
    if (held)
        frozen_ = time;
    else
        set_time(time);
}

// Register B (MC146818A datasheet, "Register B"): setting SET stops updates and clears UIE.
void CmosRtc::write_register_b(uint8_t value) {
    uint8_t const old = cmos_[kRegisterB];
    if (value & kSet) {
        value &= static_cast<uint8_t>(~kUie);
        if (!(old & kSet))
            frozen_ = current_time(clock_());
    }
    cmos_[kRegisterB] = value;
    if ((old & kSet) && !(value & kSet))
        set_time(frozen_);
    update_flags(clock_());
    reprogram_timer();
}

// Reading C returns and clears the flags, which lowers the interrupt.
uint8_t CmosRtc::read_register_c() {
    update_flags(clock_());
    return std::exchange(cmos_[kRegisterC], 0);
}

bool CmosRtc::update_in_progress(system_clock::time_point now) const {
    if (cmos_[kRegisterB] & kSet)
        return false;
    int64_t const nanos = nanos_since_epoch(now);
    int64_t const within = nanos - floor_div(nanos, kNanosPerSecond) * kNanosPerSecond;
    return within >= kNanosPerSecond - kUipLeadNanos;
}

rtc::DateTime CmosRtc::current_time(system_clock::time_point now) const {
    int64_t const host = floor_div(nanos_since_epoch(now), kNanosPerSecond);
    return rtc::date_time_from_epoch(host + offset_seconds_);
}

void CmosRtc::set_time(rtc::DateTime const& time) {
    int64_t const host = floor_div(nanos_since_epoch(clock_()), kNanosPerSecond);
    offset_seconds_ = rtc::epoch_from_date_time(time) - host;
    VIREO_TRACE(Rtc, "guest set the clock to {}-{:02}-{:02} {:02}:{:02}:{:02} (offset {} s)",
                time.year, time.month, time.day, time.hour, time.minute, time.second,
                offset_seconds_);
}

// Sets the flags for whatever happened since the last look: an update cycle at each new
// second (unless SET holds the clock), the alarm if the current second matches it, the
// periodic flag at each new period. A guest that polls rarely without AIE can miss an alarm
// second it did not look at; with AIE set the loop timer looks every second.
// IRQF is PF.PIE + AF.AIE + UF.UIE (MC146818A datasheet, "Register C").
void CmosRtc::update_flags(system_clock::time_point now) {
    int64_t const nanos = nanos_since_epoch(now);
    int64_t const second = floor_div(nanos, kNanosPerSecond);
    if (second != last_update_second_ && !(cmos_[kRegisterB] & kSet)) {
        cmos_[kRegisterC] |= kUf;
        if (alarm_matches(current_time(now)))
            cmos_[kRegisterC] |= kAf;
    }
    last_update_second_ = second;
    int64_t const hz = periodic_hz(cmos_[kRegisterA] & kRateMask);
    if (hz != 0) {
        int64_t const period = period_index(nanos, hz);
        if (period != last_period_)
            cmos_[kRegisterC] |= kPf;
        last_period_ = period;
    }
    // The enable bits of B sit at the same positions as the flags of C.
    bool const request = (cmos_[kRegisterC] & cmos_[kRegisterB] & (kPf | kAf | kUf)) != 0;
    cmos_[kRegisterC] = static_cast<uint8_t>((cmos_[kRegisterC] & ~kIrqf) | (request ? kIrqf : 0));
}

bool CmosRtc::irq_level() const {
    return (cmos_[kRegisterC] & kIrqf) != 0;
}

bool CmosRtc::alarm_matches(rtc::DateTime const& time) const {
    auto const mode = data_mode();
    return alarm_field_matches(cmos_[kSecondsAlarm], rtc::encode(time.second, mode)) &&
           alarm_field_matches(cmos_[kMinutesAlarm], rtc::encode(time.minute, mode)) &&
           alarm_field_matches(cmos_[kHoursAlarm], rtc::encode_hour(time.hour, mode, hour_mode()));
}

// Ticks the loop timer at the periodic rate if periodic interrupts are enabled, else once a
// second (on the second) for update and alarm interrupts, else not at all.
void CmosRtc::reprogram_timer() {
    if (!timer_.valid())
        return;
    uint8_t const b = cmos_[kRegisterB];
    int64_t const hz = periodic_hz(cmos_[kRegisterA] & kRateMask);
    int64_t period = 0;
    if ((b & kPie) && hz != 0)
        period = std::max<int64_t>(1, kNanosPerSecond / hz);
    else if (b & (kUie | kAie))
        period = kNanosPerSecond;
    itimerspec spec{};
    if (period != 0) {
        int64_t const now = nanos_since_epoch(system_clock::now());
        int64_t const next = (floor_div(now, period) + 1) * period;
        spec.it_interval = {.tv_sec = period / kNanosPerSecond,
                            .tv_nsec = period % kNanosPerSecond};
        spec.it_value = {.tv_sec = next / kNanosPerSecond, .tv_nsec = next % kNanosPerSecond};
    }
    if (timerfd_settime(timer_.get(), TFD_TIMER_ABSTIME, &spec, nullptr) != 0)
        log_warn("{}", Error::from_errno("RTC: timerfd_settime").message());
}

rtc::DataMode CmosRtc::data_mode() const {
    return (cmos_[kRegisterB] & kBinary) ? rtc::DataMode::Binary : rtc::DataMode::Bcd;
}

rtc::HourMode CmosRtc::hour_mode() const {
    return (cmos_[kRegisterB] & k24Hour) ? rtc::HourMode::TwentyFour : rtc::HourMode::Twelve;
}

} // namespace vireo
