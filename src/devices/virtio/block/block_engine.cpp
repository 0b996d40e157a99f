#include "devices/virtio/block/block_engine.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <optional>

#include <linux/falloc.h>
#include <sys/uio.h>

#include <fcntl.h>
#include <poll.h>

#include "base/trace.h"
#include "devices/virtio/block/disk_image.h"
#include "devices/virtio/virtqueue.h"
#include "memory/guest_memory.h"

namespace vireo::virtio::block {

// A request the kernel is working on, and how far it got.
struct InFlight {
    Virtqueue* queue = nullptr;
    DescriptorChain chain;
    BlockRequest request;
    size_t first_iov = 0;  // Read, Write: the data buffers before this one are done
    uint64_t done = 0;     // Read, Write: bytes transferred
    size_t next_range = 0; // Discard, WriteZeroes: the range being worked on
    bool punch = false;    // WriteZeroes: the file system has no ZERO_RANGE; punch holes
};

namespace {

// io_uring's limit on the submission queue (io_uring_setup(2): 32768 entries); vireo needs
// one entry per request in flight, which the queue sizes bound far below that.
constexpr unsigned kMinRingEntries = 8;
constexpr unsigned kMaxRingEntries = 4096;
constexpr unsigned kReapBatch = 64;

// user_data tells requests (an InFlight pointer, at least 8-byte aligned) from watches
// (a token, shifted, with bit 0 set).
constexpr uint64_t kWatchBit = 1;

std::string_view kind_name(BlockRequest::Kind kind) {
    switch (kind) {
    case BlockRequest::Kind::Read:
        return "read";
    case BlockRequest::Kind::Write:
        return "write";
    case BlockRequest::Kind::Flush:
        return "flush";
    case BlockRequest::Kind::GetId:
        return "get-id";
    case BlockRequest::Kind::Discard:
        return "discard";
    case BlockRequest::Kind::WriteZeroes:
        return "write-zeroes";
    case BlockRequest::Kind::Finished:
        return "finished";
    case BlockRequest::Kind::Dropped:
        return "dropped";
    }
    return "?";
}

// Skips empty ranges (fallocate refuses a zero length); false once none is left.
bool next_nonempty_range(InFlight& op) {
    auto const& ranges = op.request.ranges;
    while (op.next_range < ranges.size() && ranges[op.next_range].length == 0)
        ++op.next_range;
    return op.next_range < ranges.size();
}

} // namespace

Result<void> BlockEngine::probe() {
    io_uring ring{};
    int const result = io_uring_queue_init(kMinRingEntries, &ring, 0);
    if (result < 0)
        return tl::unexpected(
            Error::from_errno_value(-result, "virtio-blk needs io_uring, which this host refuses"));
    io_uring_queue_exit(&ring);
    return {};
}

Result<std::unique_ptr<BlockEngine>> BlockEngine::create(DiskImage const& image,
                                                         GuestMemory& memory,
                                                         RequestLimits const& limits,
                                                         unsigned depth) {
    std::unique_ptr<BlockEngine> engine(new BlockEngine(image, memory, limits));
    unsigned const entries = std::bit_ceil(std::clamp(depth, kMinRingEntries, kMaxRingEntries));
    int const result = io_uring_queue_init(entries, &engine->ring_, 0);
    if (result < 0)
        return tl::unexpected(Error::from_errno_value(-result, "virtio-blk: io_uring_queue_init"));
    engine->ring_ready_ = true;
    return engine;
}

// virtio 1.2 5.2.6.2: with VIRTIO_BLK_F_FLUSH offered but not negotiated, a write must be
// stable when it completes, so such drivers get writes with RWF_DSYNC.
BlockEngine::BlockEngine(DiskImage const& image, GuestMemory& memory, RequestLimits const& limits)
    : image_(image)
    , memory_(memory)
    , limits_(limits)
    , writethrough_((limits.features & kFeatureFlush) == 0) {}

BlockEngine::~BlockEngine() {
    if (!ring_ready_)
        return;
    // The kernel may still be writing into guest memory: wait for it before the ring goes.
    abandon();
    drain();
    io_uring_queue_exit(&ring_);
}

void BlockEngine::take(Virtqueue& queue) {
    while (auto chain = queue.pop()) {
        auto op = std::make_unique<InFlight>();
        op->queue = &queue;
        op->chain = std::move(*chain);
        op->request = parse_request(op->chain, limits_);
        VIREO_TRACE(Block, "queue {} chain {}: {} at {:#x}, {} bytes", queue.index(),
                    op->chain.head(), kind_name(op->request.kind), op->request.offset,
                    op->request.length);
        start(std::move(op));
    }
}

void BlockEngine::start(std::unique_ptr<InFlight> op) {
    auto& request = op->request;
    switch (request.kind) {
    case BlockRequest::Kind::Dropped:
    case BlockRequest::Kind::Finished:
        return finish(std::move(op), request.status);
    case BlockRequest::Kind::GetId:
        answer_get_id(*op);
        return finish(std::move(op), Status::Ok);
    case BlockRequest::Kind::Read:
    case BlockRequest::Kind::Write:
        if (request.length == 0)
            return finish(std::move(op), Status::Ok);
        break;
    case BlockRequest::Kind::Discard:
    case BlockRequest::Kind::WriteZeroes:
        if (!next_nonempty_range(*op))
            return finish(std::move(op), Status::Ok);
        break;
    case BlockRequest::Kind::Flush:
        break;
    }
    ++in_flight_;
    issue(*op.release());
}

io_uring_sqe* BlockEngine::next_sqe() {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (sqe == nullptr) {
        io_uring_submit(&ring_);
        sqe = io_uring_get_sqe(&ring_);
    }
    return sqe;
}

// Reads the page cache already holds and buffered writes finish here at once. Through
// io_uring both went to an io-wq worker thread and back: two more thread switches per
// request, each a wait for a CPU on a busy host (perf sched on bench/virtio-blk). Writes that
// must be stable (RWF_DSYNC) wait for the disk, so they stay on io_uring. True if `op`
// completed (or failed) here.
bool BlockEngine::issue_inline(InFlight& op) {
    auto const& request = op.request;
    bool const reading = request.kind == BlockRequest::Kind::Read;
    if (!reading && (request.kind != BlockRequest::Kind::Write || writethrough_))
        return false;
    auto const* iov = request.data.data() + op.first_iov;
    auto const iov_count = static_cast<int>(request.data.size() - op.first_iov);
    auto const offset = static_cast<off_t>(request.offset + op.done);
    // RWF_NOWAIT: a read that would wait for the disk fails with EAGAIN instead.
    ssize_t const moved = reading ? ::preadv2(image_.fd(), iov, iov_count, offset, RWF_NOWAIT)
                                  : ::pwritev2(image_.fd(), iov, iov_count, offset, 0);
    if (moved < 0 && (errno == EAGAIN || errno == EINTR || errno == EOPNOTSUPP))
        return false;
    if (moved == 0 && reading)
        return false; // nothing was cached: let io_uring wait for the disk
    completed(&op, moved < 0 ? -errno : static_cast<int>(moved));
    return true;
}

void BlockEngine::issue(InFlight& op) {
    if (issue_inline(op))
        return;
    io_uring_sqe* sqe = next_sqe();
    if (sqe == nullptr) {
        // Cannot happen with the ring sized for every queue entry; fail the request rather
        // than lose it.
        return completed(&op, -EBUSY);
    }
    auto const& request = op.request;
    auto const* iov = request.data.data() + op.first_iov;
    auto const iov_count = static_cast<unsigned>(request.data.size() - op.first_iov);
    switch (request.kind) {
    case BlockRequest::Kind::Read:
        io_uring_prep_readv(sqe, image_.fd(), iov, iov_count, request.offset + op.done);
        break;
    case BlockRequest::Kind::Write:
        io_uring_prep_writev2(sqe, image_.fd(), iov, iov_count, request.offset + op.done,
                              writethrough_ ? RWF_DSYNC : 0);
        break;
    case BlockRequest::Kind::Flush:
        // Crash safety: a completed FLUSH means the data is on the disk (virtio 1.2 5.2.6.2).
        io_uring_prep_fsync(sqe, image_.fd(), IORING_FSYNC_DATASYNC);
        break;
    default: {
        auto const& range = request.ranges[op.next_range];
        // virtio 1.2 5.2.6.2: a discard may deallocate; write zeroes must read back as zeroes
        // and may deallocate only with unmap. A punched hole reads as zeroes too.
        bool const punch = request.kind == BlockRequest::Kind::Discard || range.unmap || op.punch;
        int const mode =
            FALLOC_FL_KEEP_SIZE | (punch ? FALLOC_FL_PUNCH_HOLE : FALLOC_FL_ZERO_RANGE);
        io_uring_prep_fallocate(sqe, image_.fd(), mode, static_cast<off_t>(range.offset),
                                static_cast<off_t>(range.length));
        break;
    }
    }
    io_uring_sqe_set_data64(sqe, reinterpret_cast<uint64_t>(&op));
}

void BlockEngine::completed(InFlight* raw, int result) {
    if (result == -EINTR || result == -EAGAIN)
        return issue(*raw);
    if (result == -EOPNOTSUPP && raw->request.kind == BlockRequest::Kind::WriteZeroes &&
        !raw->punch) {
        raw->punch = true;
        return issue(*raw);
    }
    auto const status = step(*raw, result);
    if (!status)
        return issue(*raw);
    --in_flight_;
    finish(std::unique_ptr<InFlight>(raw), *status);
}

// What one completion means for its request: a final status, or nothing while there is
// more to do.
std::optional<Status> BlockEngine::step(InFlight& op, int result) {
    if (result < 0) {
        io_error(op, -result);
        return Status::IoErr;
    }
    switch (op.request.kind) {
    case BlockRequest::Kind::Flush:
        return Status::Ok;
    case BlockRequest::Kind::Discard:
    case BlockRequest::Kind::WriteZeroes:
        ++op.next_range;
        return next_nonempty_range(op) ? std::nullopt : std::optional(Status::Ok);
    default:
        if (result == 0) {
            // Nothing moved: the image shrank under vireo.
            io_error(op, EIO);
            return Status::IoErr;
        }
        return transfer_done(op, result) ? std::optional(Status::Ok) : std::nullopt;
    }
}

// A read or write moved `result` bytes; true when the request is complete. Otherwise the
// buffers already done are skipped and the one in progress trimmed, for another go.
bool BlockEngine::transfer_done(InFlight& op, int result) {
    op.done += static_cast<uint64_t>(result);
    if (op.done >= op.request.length)
        return true;
    auto skip = static_cast<uint64_t>(result);
    auto& data = op.request.data;
    while (skip > 0 && op.first_iov < data.size()) {
        auto& vector = data[op.first_iov];
        if (skip >= vector.iov_len) {
            skip -= vector.iov_len;
            ++op.first_iov;
            continue;
        }
        vector.iov_base = static_cast<uint8_t*>(vector.iov_base) + skip;
        vector.iov_len -= skip;
        skip = 0;
    }
    return false;
}

void BlockEngine::answer_get_id(InFlight& op) {
    uint8_t id[kIdBytes] = {};
    auto const& serial = image_.serial();
    std::memcpy(id, serial.data(), std::min(serial.size(), kIdBytes));
    op.chain.write(0, id);
}

// Writes the status byte and returns the chain. The used length counts what the device
// wrote from the start of the writable part (virtio 1.2 2.7.8.1): all of it for a read or
// GET_ID that succeeded; otherwise only a lone status byte, which is then reported apart.
void BlockEngine::finish(std::unique_ptr<InFlight> op, Status status) {
    if (abandoned_)
        return;
    auto const& chain = op->chain;
    auto const& request = op->request;
    Virtqueue& queue = *op->queue;
    if (std::find(touched_.begin(), touched_.end(), &queue) == touched_.end())
        touched_.push_back(&queue);
    if (request.kind == BlockRequest::Kind::Dropped) {
        VIREO_TRACE(Block, "queue {} chain {}: no status byte, returned unanswered", queue.index(),
                    chain.head());
        return queue.push_used(chain, 0);
    }
    *request.status_byte = static_cast<uint8_t>(status);
    auto const writable = static_cast<uint32_t>(chain.writable_bytes());
    bool const filled = status == Status::Ok && (request.kind == BlockRequest::Kind::Read ||
                                                 request.kind == BlockRequest::Kind::GetId);
    if (filled)
        return queue.push_used(chain, writable);
    if (request.kind == BlockRequest::Kind::Read) {
        // A read that failed may have filled part of the buffers: tell the emulator.
        for (auto const& segment : chain.writable())
            memory_.notify_written(segment.guest_address, segment.host.size());
    }
    memory_.notify_written(request.status_address, 1);
    queue.push_used(chain, writable == 1 ? 1 : 0);
}

void BlockEngine::io_error(InFlight const& op, int error) {
    auto const message =
        Error::from_errno_value(error, fmt::format("virtio-blk: {}: {} at {:#x}", image_.path(),
                                                   kind_name(op.request.kind), op.request.offset));
    VIREO_TRACE(Block, "{}", message.message());
    if (!warned_) {
        warned_ = true;
        log_warn("{} (the guest sees an I/O error)", message.message());
    }
}

void BlockEngine::watch(int fd, uint64_t token) {
    io_uring_sqe* sqe = next_sqe();
    if (sqe == nullptr)
        return;
    io_uring_prep_poll_add(sqe, fd, POLLIN);
    io_uring_sqe_set_data64(sqe, (token << 1) | kWatchBit);
}

void BlockEngine::submit(bool wait) {
    int result = 0;
    do {
        result = wait ? io_uring_submit_and_wait(&ring_, 1) : io_uring_submit(&ring_);
    } while (result == -EINTR);
    if (result < 0)
        VIREO_TRACE(Block, "io_uring submit: {}", Error::from_errno_value(-result, "").message());
}

void BlockEngine::reap(std::function<void(uint64_t token)> const& on_watch) {
    io_uring_cqe* cqes[kReapBatch];
    struct Completion {
        uint64_t data;
        int result;
    };
    Completion batch[kReapBatch];
    while (unsigned const count = io_uring_peek_batch_cqe(&ring_, cqes, kReapBatch)) {
        // Copy out and release the entries first, so completions and new submissions made
        // while handling them find the completion queue empty.
        for (unsigned i = 0; i < count; ++i)
            batch[i] = {io_uring_cqe_get_data64(cqes[i]), cqes[i]->res};
        io_uring_cq_advance(&ring_, count);
        for (unsigned i = 0; i < count; ++i) {
            if ((batch[i].data & kWatchBit) != 0)
                on_watch(batch[i].data >> 1);
            else
                completed(reinterpret_cast<InFlight*>(batch[i].data), batch[i].result);
        }
    }
    for (Virtqueue* queue : touched_)
        queue->notify_if_needed();
    touched_.clear();
}

void BlockEngine::drain() {
    while (in_flight_ > 0) {
        submit(true);
        reap([](uint64_t) {});
    }
}

} // namespace vireo::virtio::block
