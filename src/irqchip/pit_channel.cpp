#include "irqchip/pit_channel.h"

#include "irqchip/clock.h"

namespace vireo::irqchip {

namespace {

// Control word fields (8254 datasheet, "Control Word Format").
constexpr unsigned kAccessShift = 4;
constexpr unsigned kModeShift = 1;
constexpr uint8_t kBcd = 1U << 0;
// Mode encodings 110b and 111b are modes 2 and 3 again.
constexpr uint8_t kHighestMode = 5;
constexpr uint8_t kModeAliasOffset = 4;
// Status byte (8254 datasheet, "Status Byte"): OUT in bit 7, null count in bit 6, then the
// programmed control bits 5:0.
constexpr uint8_t kStatusOut = 1U << 7;
constexpr uint8_t kStatusNullCount = 1U << 6;
// A count of zero is the largest count: 2^16 in binary, 10^4 in BCD.
constexpr uint64_t kBinaryModulus = 0x10000;
constexpr uint64_t kBcdModulus = 10000;

uint16_t from_bcd(uint16_t value) {
    uint16_t result = 0;
    for (int shift = 12; shift >= 0; shift -= 4)
        result = static_cast<uint16_t>(result * 10 + ((value >> shift) & 0xf) % 10);
    return result;
}

uint16_t to_bcd(uint64_t value) {
    uint16_t result = 0;
    for (unsigned shift = 0; shift < 16; shift += 4, value /= 10)
        result = static_cast<uint16_t>(result | ((value % 10) << shift));
    return result;
}

} // namespace

bool PitChannel::write_control(uint8_t control, uint64_t now_ns) {
    auto const access = static_cast<Access>((control >> kAccessShift) & 0x3);
    if (access == Access::Latch) {
        latch_count(now_ns);
        return false;
    }
    access_ = access;
    mode_ = (control >> kModeShift) & 0x7;
    if (mode_ > kHighestMode)
        mode_ -= kModeAliasOffset;
    bcd_ = (control & kBcd) != 0;
    // A control word stops the counter until a new count arrives; OUT goes low in mode 0
    // and high in the other modes (8254 datasheet, "Mode Definitions").
    counting_ = false;
    null_count_ = true;
    carried_ = 0;
    write_msb_next_ = false;
    read_msb_next_ = false;
    latched_count_.reset();
    latched_status_.reset();
    return true;
}

bool PitChannel::write_count_byte(uint8_t value, uint64_t now_ns) {
    switch (access_) {
    case Access::Lsb:
        load(value, now_ns);
        return true;
    case Access::Msb:
        load(static_cast<uint16_t>(value << 8), now_ns);
        return true;
    case Access::LsbMsb:
        if (!write_msb_next_) {
            pending_lsb_ = value;
            write_msb_next_ = true;
            // In mode 0 the first byte already stops the count.
            if (mode_ == 0)
                counting_ = false;
            return false;
        }
        write_msb_next_ = false;
        load(static_cast<uint16_t>(pending_lsb_ | (value << 8)), now_ns);
        return true;
    case Access::Latch:
        break;
    }
    return false;
}

void PitChannel::load(uint16_t raw, uint64_t now_ns) {
    raw_count_ = raw;
    null_count_ = false;
    carried_ = 0;
    start_ns_ = now_ns;
    // Modes 1 and 5 wait for a rising edge on GATE.
    counting_ = !waits_for_trigger();
}

uint64_t PitChannel::reload() const {
    uint64_t const modulus = bcd_ ? kBcdModulus : kBinaryModulus;
    uint64_t const count = bcd_ ? from_bcd(raw_count_) : raw_count_;
    return count == 0 ? modulus : count;
}

bool PitChannel::paused_by_gate() const {
    // GATE low suspends counting in every mode but the gate-triggered ones.
    return !gate_ && !waits_for_trigger();
}

uint64_t PitChannel::elapsed(uint64_t now_ns) const {
    if (!counting_)
        return 0;
    if (paused_by_gate() || now_ns <= start_ns_)
        return carried_;
    return carried_ + ticks_in(now_ns - start_ns_, kPitHz);
}

uint16_t PitChannel::count_value(uint64_t now_ns) const {
    if (!counting_)
        return raw_count_;
    uint64_t const n = reload();
    uint64_t const t = elapsed(now_ns);
    uint64_t const modulus = bcd_ ? kBcdModulus : kBinaryModulus;
    uint64_t value = 0;
    switch (mode_) {
    case 2:
        value = n - t % n;
        break;
    case 3: {
        // Square wave: the counter runs down by two, once through each half period.
        uint64_t const high_half = (n + 1) / 2;
        uint64_t const phase = t % n;
        value = n - 2 * (phase < high_half ? phase : phase - high_half);
        break;
    }
    default:
        // Modes 0, 1, 4, 5 count down once and then wrap around.
        value = (n % modulus + modulus - t % modulus) % modulus;
        break;
    }
    return bcd_ ? to_bcd(value) : static_cast<uint16_t>(value);
}

bool PitChannel::out(uint64_t now_ns) const {
    if (!counting_)
        return mode_ != 0;
    uint64_t const n = reload();
    uint64_t const t = elapsed(now_ns);
    switch (mode_) {
    case 0: // high at terminal count
    case 1:
        return t >= n;
    case 2: // low for the one clock before each reload
        return !gate_ || t % n != n - 1;
    case 3: // high for the first half of each period
        return !gate_ || t % n < (n + 1) / 2;
    default: // modes 4 and 5: a one-clock low strobe at terminal count
        return t != n;
    }
}

uint64_t PitChannel::rising_edges(uint64_t now_ns) const {
    if (!counting_)
        return 0;
    uint64_t const n = reload();
    uint64_t const t = elapsed(now_ns);
    switch (mode_) {
    case 0:
    case 1:
        return t >= n ? 1 : 0;
    case 2:
    case 3:
        return t / n;
    default:
        return t >= n + 1 ? 1 : 0;
    }
}

std::optional<uint64_t> PitChannel::rising_edge_ns(uint64_t edge) const {
    if (!counting_ || edge == 0 || paused_by_gate())
        return std::nullopt;
    uint64_t const n = reload();
    bool const periodic = mode_ == 2 || mode_ == 3;
    if (!periodic && edge != 1)
        return std::nullopt;
    uint64_t tick = periodic ? edge * n : n;
    if (mode_ == 4 || mode_ == 5)
        tick = n + 1;
    if (tick <= carried_)
        return start_ns_;
    return add_saturating(start_ns_, ns_for_ticks(tick - carried_, kPitHz));
}

void PitChannel::set_gate(bool level, uint64_t now_ns) {
    if (level == gate_)
        return;
    if (!level) {
        if (!waits_for_trigger())
            carried_ = elapsed(now_ns);
        gate_ = false;
        return;
    }
    gate_ = true;
    start_ns_ = now_ns;
    switch (mode_) {
    case 0:
    case 4:
        break; // resume where the count stopped
    case 2:
    case 3:
        carried_ = 0; // the rising edge reloads the count
        break;
    default:
        // Modes 1 and 5: the rising edge triggers (or retriggers) the count.
        if (!null_count_) {
            counting_ = true;
            carried_ = 0;
        }
        break;
    }
}

uint8_t PitChannel::status(uint64_t now_ns) const {
    auto const control = static_cast<uint8_t>((static_cast<uint8_t>(access_) << kAccessShift) |
                                              (mode_ << kModeShift) | (bcd_ ? kBcd : 0));
    return static_cast<uint8_t>((out(now_ns) ? kStatusOut : 0) |
                                (null_count_ ? kStatusNullCount : 0) | control);
}

void PitChannel::latch_count(uint64_t now_ns) {
    // A second latch before the first is read is ignored (8254 datasheet, "Counter Latch
    // Command").
    if (latched_count_)
        return;
    latched_count_ = count_value(now_ns);
    latched_msb_next_ = false;
}

void PitChannel::latch_status(uint64_t now_ns) {
    if (!latched_status_)
        latched_status_ = status(now_ns);
}

uint8_t PitChannel::read_byte(uint64_t now_ns) {
    // A latched status is read before a latched count (8254 datasheet, "Read-Back Command").
    if (latched_status_) {
        uint8_t const value = *latched_status_;
        latched_status_.reset();
        return value;
    }
    bool const latched = latched_count_.has_value();
    uint16_t const value = latched ? *latched_count_ : count_value(now_ns);
    bool& msb_next = latched ? latched_msb_next_ : read_msb_next_;
    bool msb = access_ == Access::Msb;
    bool done = true;
    if (access_ == Access::LsbMsb) {
        msb = msb_next;
        msb_next = !msb_next;
        done = msb;
    }
    if (latched && done)
        latched_count_.reset();
    return static_cast<uint8_t>(msb ? value >> 8 : value & 0xff);
}

} // namespace vireo::irqchip
