// Guest console output on its way to a file descriptor. vCPU threads call write(); it never
// blocks on a slow reader: what the descriptor does not take at once waits in a bounded ring
// and is written from the event loop when the descriptor becomes writable. If the reader is
// stuck for good, the ring keeps the newest output and the oldest is dropped (with a warning).
//
// With no descriptor attached (the socket console between clients) output collects in the
// ring and goes out as soon as one is attached, so the boot log is not lost.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <span>

#include "chardev/byte_ring.h"
#include "chardev/fd_watch.h"

namespace vireo {

class OutputChannel {
public:
    static constexpr size_t kDefaultCapacity = size_t{64} * 1024;

    explicit OutputChannel(size_t capacity = kDefaultCapacity)
        : ring_(capacity) {}

    enum class Kind { Stream, Socket }; // sockets are written with send(MSG_NOSIGNAL)

    // Starts writing to `fd` (owned by the caller), beginning with what waits in the ring.
    // `watch` is the descriptor's FdWatch, used to wait for EPOLLOUT; it must outlive the
    // attachment.
    void attach(int fd, FdWatch& watch, Kind kind);
    // Stops writing; later output collects in the ring.
    void detach();
    // At exit: gives a slow reader up to `limit` to take what is still queued, so the last
    // lines the guest printed are not lost, then detaches.
    void finish(std::chrono::milliseconds limit);

    void write(std::span<uint8_t const> bytes);
    // The loop thread calls this when the descriptor reports EPOLLOUT.
    void on_writable();

    bool attached();
    // A descriptor that failed (EPIPE, EIO) is detached; the owner may want to know.
    bool failed();

private:
    void flush();
    void detach_locked();

    std::mutex mutex_;
    ByteRing ring_;
    int fd_ = -1;
    FdWatch* watch_ = nullptr;
    Kind kind_ = Kind::Stream;
    bool waiting_ = false; // EPOLLOUT requested
    bool failed_ = false;
    bool warned_ = false;
};

} // namespace vireo
