// Time for the emulator's timers. Every timer model (LAPIC timer, PIT) derives its counts from
// a Clock instead of being ticked, so a register read costs one clock read and a halted vCPU
// can sleep until the next deadline.
#pragma once

#include <atomic>
#include <cstdint>

namespace vireo::irqchip {

inline constexpr uint64_t kNanosPerSecond = 1'000'000'000;

class Clock {
public:
    virtual ~Clock() = default;
    // Nanoseconds on a monotonic time line; guest time is derived from it.
    virtual uint64_t now_ns() const = 0;
};

// The host's CLOCK_MONOTONIC: what vireo runs on in production.
class MonotonicClock final : public Clock {
public:
    uint64_t now_ns() const override;
};

// A clock that moves only when told to: for tests and deterministic runs.
class ManualClock final : public Clock {
public:
    explicit ManualClock(uint64_t start_ns = 0)
        : now_(start_ns) {}
    uint64_t now_ns() const override { return now_.load(std::memory_order_acquire); }
    void set(uint64_t ns) { now_.store(ns, std::memory_order_release); }
    void advance(uint64_t ns) { now_.fetch_add(ns, std::memory_order_acq_rel); }

private:
    std::atomic<uint64_t> now_;
};

// Whole ticks of a clock running at hz / divisor that have elapsed in `ns` nanoseconds.
uint64_t ticks_in(uint64_t ns, uint64_t hz, uint64_t divisor = 1);

// The first nanosecond at which `ticks` ticks of a clock running at hz / divisor have
// elapsed (rounded up, so that ticks_in(ns_for_ticks(t)) >= t). Saturates at UINT64_MAX.
uint64_t ns_for_ticks(uint64_t ticks, uint64_t hz, uint64_t divisor = 1);

// Saturating addition for deadlines.
inline uint64_t add_saturating(uint64_t a, uint64_t b) {
    uint64_t const sum = a + b;
    return sum < a ? UINT64_MAX : sum;
}

} // namespace vireo::irqchip
