// Serves block requests with io_uring. The engine pops chains from the request queues,
// parses them, and hands the kernel the transfer straight between the image and the guest's
// buffers (readv/writev on the chain's host spans: no copy in vireo); completions write the
// status byte and return the chain through the used ring. Reads the page cache holds and
// buffered writes are done at once by the engine's thread (see issue_inline()). It can also watch
// file descriptors (the queues' kick eventfds) through the same ring, so that one thread waits on
// guest notifications and disk completions at once.
//
// Threads: an engine is used by one thread at a time (the device's worker, or whoever calls
// VirtioBlock::process()).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <liburing.h>

#include "base/result.h"
#include "devices/virtio/block/block_request.h"

namespace vireo {
class GuestMemory;
}

namespace vireo::virtio {
class Virtqueue;
}

namespace vireo::virtio::block {

class DiskImage;
struct InFlight;

class BlockEngine {
public:
    // `depth`: how many requests can be in flight at once (the sum of the queue sizes) plus
    // the file descriptors watched. `image` and `memory` must outlive the engine.
    static Result<std::unique_ptr<BlockEngine>> create(DiskImage const& image, GuestMemory& memory,
                                                       RequestLimits const& limits, unsigned depth);
    // Says whether this host lets vireo use io_uring (a sysctl or a seccomp filter may not).
    static Result<void> probe();
    // Waits for the requests in flight, which are then returned to nobody.
    ~BlockEngine();
    BlockEngine(BlockEngine const&) = delete;
    BlockEngine& operator=(BlockEngine const&) = delete;

    // Starts every request the driver made available on `queue`.
    void take(Virtqueue& queue);
    // Arms a one-shot wait for `fd` to become readable; reap() reports `token` when it does.
    void watch(int fd, uint64_t token);
    // Passes what take() and watch() prepared to the kernel; with `wait`, sleeps until at
    // least one completion has arrived.
    void submit(bool wait);
    // Finishes every request whose I/O completed, hands fired watches to `on_watch`, then
    // interrupts the driver for the queues that got used buffers (if it asked).
    void reap(std::function<void(uint64_t token)> const& on_watch);
    // Submits and reaps until no request is in flight; watches that fire are ignored.
    void drain();
    // From now on completed requests go back to nobody: the driver reset the device.
    void abandon() { abandoned_ = true; }

    [[nodiscard]] size_t in_flight() const { return in_flight_; }

private:
    BlockEngine(DiskImage const& image, GuestMemory& memory, RequestLimits const& limits);
    io_uring_sqe* next_sqe();
    void start(std::unique_ptr<InFlight> op);
    void issue(InFlight& op);
    bool issue_inline(InFlight& op);
    void issue_range(InFlight& op);
    void completed(InFlight* op, int result);
    std::optional<Status> step(InFlight& op, int result);
    bool transfer_done(InFlight& op, int result);
    void finish(std::unique_ptr<InFlight> op, Status status);
    void answer_get_id(InFlight& op);
    void io_error(InFlight const& op, int error);

    DiskImage const& image_;
    GuestMemory& memory_;
    RequestLimits limits_;
    bool writethrough_;
    io_uring ring_{};
    bool ring_ready_ = false;
    size_t in_flight_ = 0;
    bool abandoned_ = false;
    bool warned_ = false;
    std::vector<Virtqueue*> touched_;
};

} // namespace vireo::virtio::block
