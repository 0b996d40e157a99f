// How long a device thread busy-polls its queues before it sleeps, adapted to the guest's
// pace as QEMU's event loop adapts its polling (its rules with the default settings:
// start at 4 us, double, drop to none). Waking a sleeping thread costs tens of microseconds
// on a virtualized host; a driver that submits its next request soon after the last
// completion (a sequential reader) finds the thread still polling.
//
// After each sleep the thread reports how long it slept: a sleep shorter than the longest
// window means a longer poll would have caught the request, so the window grows; a longer one
// means the guest has gone quiet, so polling stops until requests come quickly again.
#pragma once

#include <algorithm>
#include <chrono>

namespace vireo::virtio {

class PollWindow {
public:
    using Duration = std::chrono::nanoseconds;
    static constexpr Duration kMax = std::chrono::microseconds(200);
    static constexpr Duration kFirst = std::chrono::microseconds(4);

    [[nodiscard]] Duration window() const { return window_; }

    void slept(Duration slept) {
        if (slept > kMax)
            window_ = Duration::zero();
        else
            window_ = window_ == Duration::zero() ? kFirst : std::min(window_ * 2, kMax);
    }

private:
    Duration window_ = Duration::zero();
};

} // namespace vireo::virtio
