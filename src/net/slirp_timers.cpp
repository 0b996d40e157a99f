#include "net/slirp_timers.h"

#include <algorithm>
#include <ctime>
#include <limits>

namespace vireo::net {

namespace {

constexpr int64_t kNanosecondsPerMillisecond = 1'000'000;
constexpr int64_t kNanosecondsPerSecond = 1'000'000'000;

} // namespace

int64_t SlirpTimers::now_ns() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return int64_t{now.tv_sec} * kNanosecondsPerSecond + now.tv_nsec;
}

void* SlirpTimers::create(SlirpTimerId id, void* cb_opaque) {
    timers_.push_back(std::make_unique<Timer>(Timer{id, cb_opaque}));
    return timers_.back().get();
}

void SlirpTimers::modify(void* timer, int64_t expire_ms) {
    static_cast<Timer*>(timer)->expire_ms = expire_ms;
}

void SlirpTimers::destroy(void* timer) {
    std::erase_if(timers_, [timer](auto const& entry) { return entry.get() == timer; });
}

void SlirpTimers::lower_timeout(int& timeout_ms) const {
    int64_t const now_ms = now_ns() / kNanosecondsPerMillisecond;
    for (auto const& timer : timers_) {
        if (timer->expire_ms < 0)
            continue;
        auto const left = static_cast<int>(
            std::clamp<int64_t>(timer->expire_ms - now_ms, 0, std::numeric_limits<int>::max()));
        if (timeout_ms < 0 || left < timeout_ms)
            timeout_ms = left;
    }
}

void SlirpTimers::run_expired(Slirp* slirp) {
    int64_t const now_ms = now_ns() / kNanosecondsPerMillisecond;
    // slirp_handle_timer may re-arm, create or free timers: collect first, then fire.
    std::vector<std::pair<SlirpTimerId, void*>> due;
    for (auto const& timer : timers_) {
        if (timer->expire_ms >= 0 && timer->expire_ms <= now_ms) {
            timer->expire_ms = -1;
            due.emplace_back(timer->id, timer->cb_opaque);
        }
    }
    for (auto const& [id, cb_opaque] : due)
        slirp_handle_timer(slirp, id, cb_opaque);
}

} // namespace vireo::net
