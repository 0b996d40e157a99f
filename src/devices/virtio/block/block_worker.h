// The thread that serves a block device's queues while the driver has it live: it waits on
// one io_uring for the queues' kick eventfds, a stop eventfd and the disk I/O in flight, so
// vCPU threads only signal an eventfd and never wait for the disk. Between requests it
// busy-polls the queues for a window that adapts to the guest's pace (poll_window.h).
#pragma once

#include <memory>
#include <thread>
#include <vector>

#include "base/fd.h"
#include "base/result.h"
#include "devices/virtio/block/block_engine.h"
#include "devices/virtio/poll_window.h"

namespace vireo::virtio {
class Virtqueue;
}

namespace vireo::virtio::block {

class BlockWorker {
public:
    // Starts serving `queues` with `engine` on a new thread.
    static Result<std::unique_ptr<BlockWorker>> start(std::unique_ptr<BlockEngine> engine,
                                                      std::vector<Virtqueue*> queues);
    // Stops the thread after the requests in flight have finished (unanswered): once this
    // returns, nothing of the worker touches a queue or guest memory.
    ~BlockWorker();
    BlockWorker(BlockWorker const&) = delete;
    BlockWorker& operator=(BlockWorker const&) = delete;

private:
    BlockWorker(std::unique_ptr<BlockEngine> engine, std::vector<Virtqueue*> queues, UniqueFd stop);
    void run();
    void kicked(uint64_t token, bool& stopping);
    bool poll_queues();

    std::unique_ptr<BlockEngine> engine_;
    std::vector<Virtqueue*> queues_;
    UniqueFd stop_;
    PollWindow poll_;
    std::thread thread_;
};

} // namespace vireo::virtio::block
