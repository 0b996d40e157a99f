#include "devices/virtio/rng/virtio_rng.h"

#include <algorithm>
#include <cerrno>
#include <vector>

#include <sys/epoll.h>
#include <sys/random.h>

#include "base/event_loop.h"
#include "base/trace.h"

namespace vireo::virtio {

namespace {

// virtio 1.2 5.4.2: one virtqueue, requestq.
constexpr uint16_t kRequestQueue = 0;

} // namespace

Result<void> VirtioRng::host_entropy(std::span<uint8_t> buffer) {
    size_t done = 0;
    while (done < buffer.size()) {
        ssize_t const got = getrandom(buffer.data() + done, buffer.size() - done, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return errno_error("getrandom");
        done += static_cast<size_t>(got);
    }
    return {};
}

std::shared_ptr<VirtioRng> VirtioRng::create(EventLoop* loop, EntropySource source) {
    return std::shared_ptr<VirtioRng>(new VirtioRng(loop, std::move(source)));
}

VirtioRng::VirtioRng(EventLoop* loop, EntropySource source)
    : loop_(loop)
    , source_(std::move(source)) {}

Result<void> VirtioRng::activate(Activation const& activation) {
    std::lock_guard lock(mutex_);
    queue_ = activation.queues.size() > kRequestQueue ? activation.queues[kRequestQueue] : nullptr;
    if (queue_ == nullptr || loop_ == nullptr)
        return {};
    // The callback holds the device weakly: the VM may be torn down while the loop runs on.
    std::weak_ptr<VirtioRng> weak = weak_from_this();
    return loop_->add(queue_->kick_fd(), EPOLLIN, [weak](uint32_t) {
        if (auto self = weak.lock())
            self->process();
    });
}

void VirtioRng::reset() {
    std::lock_guard lock(mutex_);
    if (queue_ != nullptr && loop_ != nullptr)
        loop_->remove(queue_->kick_fd());
    queue_ = nullptr;
}

void VirtioRng::process() {
    std::lock_guard lock(mutex_);
    process_locked();
}

void VirtioRng::process_locked() {
    if (queue_ == nullptr)
        return;
    queue_->consume_kick();
    while (auto chain = queue_->pop())
        serve(*chain);
    queue_->notify_if_needed();
}

// virtio 1.2 5.4.6: the device fills the device-writable buffers with random bytes; what the
// driver offers for reading means nothing to it.
void VirtioRng::serve(DescriptorChain const& chain) {
    auto const wanted = static_cast<size_t>(std::min(chain.writable_bytes(), kMaxRequestBytes));
    std::vector<uint8_t> bytes(wanted);
    uint32_t written = 0;
    if (auto filled = source_(bytes); filled) {
        written = static_cast<uint32_t>(chain.write(0, bytes));
    } else if (!source_failed_) {
        source_failed_ = true;
        log_warn("virtio-rng: no entropy for the guest: {}", filled.error().message());
    }
    VIREO_TRACE(Virtio, "rng: request {} filled with {} of {} bytes", chain.head(), written,
                chain.writable_bytes());
    queue_->push_used(chain, written);
}

} // namespace vireo::virtio
