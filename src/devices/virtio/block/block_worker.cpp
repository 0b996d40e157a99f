#include "devices/virtio/block/block_worker.h"

#include <algorithm>
#include <chrono>

#include <sys/eventfd.h>

#include <pthread.h>
#include <unistd.h>

#include "base/trace.h"
#include "devices/virtio/virtqueue.h"

namespace vireo::virtio::block {

namespace {

// Watch tokens: the queue's position in queues_, or this for the stop eventfd.
constexpr uint64_t kStopToken = ~uint64_t{0} >> 1;

} // namespace

Result<std::unique_ptr<BlockWorker>> BlockWorker::start(std::unique_ptr<BlockEngine> engine,
                                                        std::vector<Virtqueue*> queues) {
    UniqueFd stop(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!stop.valid())
        return errno_error("virtio-blk: eventfd");
    std::unique_ptr<BlockWorker> worker(
        new BlockWorker(std::move(engine), std::move(queues), std::move(stop)));
    worker->thread_ = std::thread([raw = worker.get()] { raw->run(); });
    return worker;
}

BlockWorker::BlockWorker(std::unique_ptr<BlockEngine> engine, std::vector<Virtqueue*> queues,
                         UniqueFd stop)
    : engine_(std::move(engine))
    , queues_(std::move(queues))
    , stop_(std::move(stop)) {}

BlockWorker::~BlockWorker() {
    uint64_t const one = 1;
    [[maybe_unused]] auto written = ::write(stop_.get(), &one, sizeof(one));
    if (thread_.joinable())
        thread_.join();
}

void BlockWorker::run() {
    pthread_setname_np(pthread_self(), "vireo-blk");
    engine_->watch(stop_.get(), kStopToken);
    // The transport kicks every live queue once at activation, so chains published before
    // DRIVER_OK are found through these watches too.
    for (uint64_t token = 0; token < queues_.size(); ++token)
        engine_->watch(queues_[token]->kick_fd(), token);
    bool stopping = false;
    auto const on_watch = [this, &stopping](uint64_t token) {
        kicked(token, stopping);
    };
    while (!stopping) {
        if (engine_->in_flight() == 0 && poll_queues()) {
            engine_->reap(on_watch);
            continue;
        }
        auto const before = std::chrono::steady_clock::now();
        engine_->submit(true);
        poll_.slept(std::chrono::steady_clock::now() - before);
        engine_->reap(on_watch);
    }
    // The driver is resetting the device: what is in flight ends unanswered.
    engine_->abandon();
    engine_->drain();
    VIREO_TRACE(Block, "worker stopped");
}

// Spins for the poll window until a queue has chains available, and takes them. Their kicks
// are consumed, so the watches armed on the kick eventfds stay armed for the next ones.
bool BlockWorker::poll_queues() {
    auto const window = poll_.window();
    if (window == PollWindow::Duration::zero())
        return false;
    auto const deadline = std::chrono::steady_clock::now() + window;
    do {
        bool const found = std::any_of(queues_.begin(), queues_.end(), [](Virtqueue const* queue) {
            return queue->has_available();
        });
        if (found) {
            for (Virtqueue* queue : queues_) {
                queue->consume_kick();
                engine_->take(*queue);
            }
            return true;
        }
        __builtin_ia32_pause();
    } while (std::chrono::steady_clock::now() < deadline);
    return false;
}

void BlockWorker::kicked(uint64_t token, bool& stopping) {
    if (token == kStopToken)
        stopping = true;
    if (stopping || token >= queues_.size())
        return;
    Virtqueue& queue = *queues_[token];
    // Reset the eventfd before looking at the ring: a kick that comes after the look
    // leaves it readable, and the watch armed again below fires at once.
    queue.consume_kick();
    engine_->take(queue);
    engine_->watch(queue.kick_fd(), token);
}

} // namespace vireo::virtio::block
