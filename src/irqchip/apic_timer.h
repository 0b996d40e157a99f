// The local APIC timer (Intel SDM Vol. 3A 11.5.4). The current count is computed from the
// clock when it is read, never ticked: the timer keeps the moment its count was known and
// derives everything else. Not thread-safe: the owning LocalApic holds its lock.
#pragma once

#include <cstdint>
#include <optional>

namespace vireo::irqchip {

// LVT timer bits 18:17 (Intel SDM Vol. 3A 11.5.4, Table 11-2).
enum class TimerMode : uint8_t { OneShot = 0, Periodic = 1, TscDeadline = 2 };

class ApicTimer {
public:
    // crystal_hz: the rate the timer counts at before the divider (CPUID leaf 15H ECX);
    // tsc_hz: the guest TSC rate, whose count is now_ns * tsc_hz / 1e9.
    ApicTimer(uint64_t crystal_hz, uint64_t tsc_hz)
        : crystal_hz_(crystal_hz)
        , tsc_hz_(tsc_hz) {}

    TimerMode mode() const { return mode_; }
    void set_mode(TimerMode mode, uint64_t now_ns);
    // The divider the divide configuration register selects: 1, 2, 4, ..., 128.
    void set_divisor(uint32_t divisor, uint64_t now_ns);
    void set_initial_count(uint32_t count, uint64_t now_ns);
    uint32_t initial_count() const { return initial_; }
    uint32_t current_count(uint64_t now_ns) const;

    // IA32_TSC_DEADLINE (Intel SDM Vol. 3A 11.5.4.1).
    void set_tsc_deadline(uint64_t tsc);
    uint64_t tsc_deadline() const { return mode_ == TimerMode::TscDeadline ? tsc_deadline_ : 0; }

    // When the timer next expires, in Clock nanoseconds.
    std::optional<uint64_t> deadline_ns() const;
    // Consumes the expiry due at or before now; periodic expiries missed meanwhile collapse
    // into one, as an IRR bit would. Returns whether the timer fired.
    bool expire(uint64_t now_ns);
    // Power-up state (Intel SDM Vol. 3A 11.4.7.1): counts zero, divide by 2, one-shot.
    void reset();

    // Decodes the divide configuration register (Intel SDM Vol. 3A 11.5.4, Figure 11-10).
    static uint32_t divisor_from_config(uint32_t config);

private:
    uint64_t ticks_since_base(uint64_t now_ns) const;
    void rebase(uint64_t now_ns);

    uint64_t crystal_hz_;
    uint64_t tsc_hz_;
    TimerMode mode_ = TimerMode::OneShot;
    uint32_t divisor_ = 2;
    uint32_t initial_ = 0;
    bool armed_ = false;
    uint64_t base_ns_ = 0;    // when the count was base_count_
    uint64_t base_count_ = 0; // ticks from base_ns_ to the first expiry
    uint64_t expiries_ = 0;   // periodic expiries consumed since base_ns_
    uint64_t tsc_deadline_ = 0;
};

} // namespace vireo::irqchip
