#include "irqchip/apic_timer.h"

#include "irqchip/clock.h"

namespace vireo::irqchip {

uint32_t ApicTimer::divisor_from_config(uint32_t config) {
    // Bits 3, 1, 0 form a 3-bit value; 111b divides by 1, n divides by 2^(n+1).
    uint32_t const value = ((config >> 1) & 0x4) | (config & 0x3);
    constexpr uint32_t kDivideByOne = 0x7;
    return value == kDivideByOne ? 1 : 2U << value;
}

void ApicTimer::reset() {
    mode_ = TimerMode::OneShot;
    divisor_ = 2;
    initial_ = 0;
    armed_ = false;
    expiries_ = 0;
    tsc_deadline_ = 0;
}

uint64_t ApicTimer::ticks_since_base(uint64_t now_ns) const {
    return now_ns <= base_ns_ ? 0 : ticks_in(now_ns - base_ns_, crystal_hz_, divisor_);
}

// Restarts the count arithmetic at now with the count the timer shows now, so that a new
// divider or mode applies from here on.
void ApicTimer::rebase(uint64_t now_ns) {
    base_count_ = current_count(now_ns);
    base_ns_ = now_ns;
    expiries_ = 0;
    armed_ = base_count_ != 0;
}

void ApicTimer::set_mode(TimerMode mode, uint64_t now_ns) {
    if (mode == mode_)
        return;
    bool const deadline_change =
        (mode == TimerMode::TscDeadline) != (mode_ == TimerMode::TscDeadline);
    if (deadline_change) {
        // Switching into or out of TSC-deadline mode disarms the timer
        // (Intel SDM Vol. 3A 11.5.4.1).
        mode_ = mode;
        armed_ = false;
        initial_ = 0;
        tsc_deadline_ = 0;
        return;
    }
    if (armed_)
        rebase(now_ns);
    mode_ = mode;
}

void ApicTimer::set_divisor(uint32_t divisor, uint64_t now_ns) {
    if (armed_ && mode_ != TimerMode::TscDeadline)
        rebase(now_ns);
    divisor_ = divisor;
}

void ApicTimer::set_initial_count(uint32_t count, uint64_t now_ns) {
    // Writes to the initial-count register are ignored in TSC-deadline mode
    // (Intel SDM Vol. 3A 11.5.4.1).
    if (mode_ == TimerMode::TscDeadline)
        return;
    initial_ = count;
    base_ns_ = now_ns;
    base_count_ = count;
    expiries_ = 0;
    // A zero initial count stops the timer (Intel SDM Vol. 3A 11.5.4).
    armed_ = count != 0;
}

uint32_t ApicTimer::current_count(uint64_t now_ns) const {
    // The current count reads zero in TSC-deadline mode (Intel SDM Vol. 3A 11.5.4.1).
    if (!armed_ || mode_ == TimerMode::TscDeadline)
        return 0;
    uint64_t const elapsed = ticks_since_base(now_ns);
    if (elapsed < base_count_)
        return static_cast<uint32_t>(base_count_ - elapsed);
    if (mode_ == TimerMode::OneShot)
        return 0;
    // Periodic: reloaded from the initial count each time it reaches zero.
    return initial_ - static_cast<uint32_t>((elapsed - base_count_) % initial_);
}

void ApicTimer::set_tsc_deadline(uint64_t tsc) {
    // Outside TSC-deadline mode writes to IA32_TSC_DEADLINE are ignored
    // (Intel SDM Vol. 3A 11.5.4.1); writing zero disarms the timer.
    if (mode_ == TimerMode::TscDeadline)
        tsc_deadline_ = tsc;
}

std::optional<uint64_t> ApicTimer::deadline_ns() const {
    if (mode_ == TimerMode::TscDeadline) {
        if (tsc_deadline_ == 0)
            return std::nullopt;
        // The TSC reads now_ns * tsc_hz / 1e9: it reaches the deadline at this instant.
        return ns_for_ticks(tsc_deadline_, tsc_hz_);
    }
    if (!armed_)
        return std::nullopt;
    uint64_t const ticks = base_count_ + expiries_ * initial_;
    return add_saturating(base_ns_, ns_for_ticks(ticks, crystal_hz_, divisor_));
}

bool ApicTimer::expire(uint64_t now_ns) {
    auto const deadline = deadline_ns();
    if (!deadline || *deadline > now_ns)
        return false;
    switch (mode_) {
    case TimerMode::TscDeadline:
        // The timer disarms itself and clears the MSR when it fires.
        tsc_deadline_ = 0;
        break;
    case TimerMode::OneShot:
        armed_ = false;
        break;
    case TimerMode::Periodic:
        expiries_ = (ticks_since_base(now_ns) - base_count_) / initial_ + 1;
        break;
    }
    return true;
}

} // namespace vireo::irqchip
