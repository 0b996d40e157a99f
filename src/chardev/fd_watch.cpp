#include "chardev/fd_watch.h"

#include <mutex>

#include "base/trace.h"

namespace vireo {

struct FdWatch::State {
    State(EventLoop& event_loop, int watched, Handler on_event)
        : loop(event_loop)
        , fd(watched)
        , handler(std::move(on_event)) {}

    EventLoop& loop;
    int const fd;
    Handler const handler;
    std::mutex mutex;
    uint32_t events = 0;
    bool registered = false;
    bool pollable = true;
    bool closed = false;
    bool read_posted = false;
};

// The loop's callback and posted tasks hold only weak references: a watch destroyed while an
// event for it is on its way is simply not called.
void FdWatch::post_read(std::shared_ptr<State> const& state) {
    std::weak_ptr<State> weak = state;
    state->loop.post([weak] {
        auto self = weak.lock();
        if (!self)
            return;
        {
            std::lock_guard lock(self->mutex);
            self->read_posted = false;
            if (self->closed || !(self->events & EPOLLIN))
                return;
        }
        self->handler(EPOLLIN);
        std::lock_guard lock(self->mutex);
        if (!self->closed && (self->events & EPOLLIN) && !self->read_posted) {
            self->read_posted = true;
            post_read(self);
        }
    });
}

// Brings the loop's registration in line with `events`. A descriptor with no interest is
// not registered at all: epoll reports hang-ups even for an empty event mask, which would
// otherwise spin the loop on a closed pipe nobody is reading.
void FdWatch::apply(std::shared_ptr<State> const& state) {
    if (state->closed)
        return;
    if (!state->pollable) {
        if ((state->events & EPOLLIN) && !state->read_posted) {
            state->read_posted = true;
            post_read(state);
        }
        return;
    }
    if (state->events == 0) {
        if (state->registered)
            state->loop.remove(state->fd);
        state->registered = false;
        return;
    }
    if (state->registered) {
        if (auto result = state->loop.modify(state->fd, state->events); !result)
            log_warn("console: {}", result.error().message());
        return;
    }
    std::weak_ptr<State> weak = state;
    auto added = state->loop.add(state->fd, state->events, [weak](uint32_t events) {
        if (auto self = weak.lock())
            self->handler(events);
    });
    if (added)
        state->registered = true;
    else
        log_warn("console: {}", added.error().message());
}

FdWatch::FdWatch(EventLoop& loop, int fd, Handler handler)
    : state_(std::make_shared<State>(loop, fd, std::move(handler))) {
    // epoll refuses regular files and some character devices with EPERM; probe once.
    auto probe = loop.add(fd, 0, [](uint32_t) {});
    if (probe)
        loop.remove(fd);
    state_->pollable = probe.has_value();
}

FdWatch::~FdWatch() {
    close();
}

void FdWatch::want(uint32_t events, bool on) {
    std::lock_guard lock(state_->mutex);
    state_->events = on ? (state_->events | events) : (state_->events & ~events);
    apply(state_);
}

void FdWatch::close() {
    std::lock_guard lock(state_->mutex);
    if (state_->closed)
        return;
    if (state_->registered)
        state_->loop.remove(state_->fd);
    state_->registered = false;
    state_->closed = true;
}

bool FdWatch::pollable() const {
    std::lock_guard lock(state_->mutex);
    return state_->pollable;
}

int FdWatch::fd() const {
    return state_->fd;
}

} // namespace vireo
