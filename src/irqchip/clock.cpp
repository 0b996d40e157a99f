#include "irqchip/clock.h"

#include <ctime>

namespace vireo::irqchip {

uint64_t MonotonicClock::now_ns() const {
    timespec ts{};
    // CLOCK_MONOTONIC cannot fail with a valid timespec pointer (clock_gettime(2)).
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * kNanosPerSecond + static_cast<uint64_t>(ts.tv_nsec);
}

// 128-bit intermediates: a 32-bit count times a divisor of 128 times 1e9 overflows 64 bits.
using Wide = unsigned __int128;

uint64_t ticks_in(uint64_t ns, uint64_t hz, uint64_t divisor) {
    Wide const ticks = Wide{ns} * hz / (Wide{kNanosPerSecond} * divisor);
    return ticks > UINT64_MAX ? UINT64_MAX : static_cast<uint64_t>(ticks);
}

uint64_t ns_for_ticks(uint64_t ticks, uint64_t hz, uint64_t divisor) {
    Wide const numerator = Wide{ticks} * divisor * kNanosPerSecond;
    Wide const ns = (numerator + hz - 1) / hz;
    return ns > UINT64_MAX ? UINT64_MAX : static_cast<uint64_t>(ns);
}

} // namespace vireo::irqchip
