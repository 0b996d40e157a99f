// One file descriptor watched by the EventLoop, with interest in reading and writing switched
// on and off separately (the socket console reads and writes one fd).
//
// Some descriptors cannot be watched with epoll at all: regular files and /dev/null, which
// are always ready. For those, wanting to read posts the handler to the loop again and again
// until the owner stops wanting it (at end of file), and writes are simply done directly.
//
// The handler runs on the loop thread and may call back into the watch. It is never called
// after close() returns on the loop thread, or after the watch is destroyed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include <sys/epoll.h>

#include "base/event_loop.h"

namespace vireo {

class FdWatch {
public:
    using Handler = std::function<void(uint32_t events)>;

    // `fd` stays owned by the caller and must stay open while the watch is; so must `loop`.
    FdWatch(EventLoop& loop, int fd, Handler handler);
    ~FdWatch();
    FdWatch(FdWatch const&) = delete;
    FdWatch& operator=(FdWatch const&) = delete;

    // Safe from any thread. want() switches any epoll events (EPOLLRDHUP, say).
    void want(uint32_t events, bool on);
    void want_read(bool on) { want(EPOLLIN, on); }
    void want_write(bool on) { want(EPOLLOUT, on); }
    void close();

    // False for descriptors epoll refuses; writes to them never report EAGAIN.
    bool pollable() const;
    int fd() const;

private:
    struct State;
    static void apply(std::shared_ptr<State> const& state);
    static void post_read(std::shared_ptr<State> const& state);

    std::shared_ptr<State> state_;
};

} // namespace vireo
