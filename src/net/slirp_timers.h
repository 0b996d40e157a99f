// The timers libslirp asks its host for (SlirpCb timer_new_opaque, timer_mod, timer_free):
// kept here and run by the back end's thread between polls.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <slirp/libslirp.h>

namespace vireo::net {

class SlirpTimers {
public:
    // The clock libslirp's timers and TCP timing run on (SlirpCb clock_get_ns).
    static int64_t now_ns();

    void* create(SlirpTimerId id, void* cb_opaque);
    // `expire_ms` is a time on the now_ns() clock, in milliseconds.
    static void modify(void* timer, int64_t expire_ms);
    void destroy(void* timer);

    // Lowers `timeout_ms` (-1: none) to the time left until the next armed timer.
    void lower_timeout(int& timeout_ms) const;
    // Disarms each expired timer and hands it to slirp_handle_timer.
    void run_expired(Slirp* slirp);

private:
    struct Timer {
        SlirpTimerId id;
        void* cb_opaque;
        int64_t expire_ms = -1; // -1: not armed
    };
    std::vector<std::unique_ptr<Timer>> timers_;
};

} // namespace vireo::net
