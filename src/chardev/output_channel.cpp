#include "chardev/output_channel.h"

#include <cerrno>

#include <sys/socket.h>

#include <poll.h>
#include <unistd.h>

#include "base/trace.h"

namespace vireo {

void OutputChannel::attach(int fd, FdWatch& watch, Kind kind) {
    std::lock_guard lock(mutex_);
    fd_ = fd;
    watch_ = &watch;
    kind_ = kind;
    waiting_ = false;
    failed_ = false;
    flush();
}

void OutputChannel::detach() {
    std::lock_guard lock(mutex_);
    detach_locked();
}

void OutputChannel::detach_locked() {
    if (waiting_ && watch_ != nullptr)
        watch_->want_write(false);
    fd_ = -1;
    watch_ = nullptr;
    waiting_ = false;
}

// Holds the lock while it waits, so vCPUs that still print stall for at most `limit`; this
// only runs while the VM is shutting down.
void OutputChannel::finish(std::chrono::milliseconds limit) {
    std::lock_guard lock(mutex_);
    auto const deadline = std::chrono::steady_clock::now() + limit;
    while (fd_ >= 0) {
        flush();
        if (ring_.empty() || !waiting_)
            break;
        auto const left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            break;
        pollfd descriptor{.fd = fd_, .events = POLLOUT, .revents = 0};
        if (::poll(&descriptor, 1, static_cast<int>(left.count())) <= 0)
            break;
    }
    detach_locked();
}

void OutputChannel::write(std::span<uint8_t const> bytes) {
    std::lock_guard lock(mutex_);
    size_t const dropped = ring_.push(bytes);
    if (dropped != 0 && fd_ >= 0 && !warned_) {
        warned_ = true;
        log_warn("console output is not being read; dropping the oldest output");
    }
    if (fd_ >= 0 && !waiting_)
        flush();
}

void OutputChannel::on_writable() {
    std::lock_guard lock(mutex_);
    if (fd_ >= 0)
        flush();
}

bool OutputChannel::attached() {
    std::lock_guard lock(mutex_);
    return fd_ >= 0;
}

bool OutputChannel::failed() {
    std::lock_guard lock(mutex_);
    return failed_;
}

// Writes until the ring is empty or the descriptor would block. Partial writes are normal
// on terminals and pipes; EAGAIN means "ask the loop for EPOLLOUT and return".
void OutputChannel::flush() {
    while (!ring_.empty()) {
        auto const chunk = ring_.front();
        ssize_t const written = kind_ == Kind::Socket ? ::send(fd_, chunk.data(), chunk.size(),
                                                               MSG_DONTWAIT | MSG_NOSIGNAL)
                                                      : ::write(fd_, chunk.data(), chunk.size());
        if (written > 0) {
            ring_.consume(static_cast<size_t>(written));
            continue;
        }
        if (written < 0 && errno == EINTR)
            continue;
        if (written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && watch_->pollable()) {
            if (!waiting_)
                watch_->want_write(true);
            waiting_ = true;
            return;
        }
        // EPIPE, EIO, or EAGAIN from a descriptor epoll cannot watch: give up on it. What
        // is queued stays in the ring for whoever attaches next.
        VIREO_TRACE(Serial, "console output descriptor failed: {}",
                    written < 0 ? Error::from_errno("write").message() : "wrote nothing");
        detach_locked();
        failed_ = true;
        return;
    }
    if (waiting_) {
        watch_->want_write(false);
        waiting_ = false;
    }
}

} // namespace vireo
