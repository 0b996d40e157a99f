// The virtio entropy device (virtio 1.2 5.4): one request queue; the driver offers
// device-writable buffers and the device fills them with random bytes from the host's
// getrandom(). Requests are served on the VMM's event loop thread.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <span>

#include "base/result.h"
#include "devices/virtio/virtio_device.h"

namespace vireo {
class EventLoop;
}

namespace vireo::virtio {

class VirtioRng final : public VirtioDevice, public std::enable_shared_from_this<VirtioRng> {
public:
    // Fills the buffer completely or fails.
    using EntropySource = std::function<Result<void>(std::span<uint8_t>)>;
    static Result<void> host_entropy(std::span<uint8_t> buffer);

    static constexpr uint16_t kQueueSize = 256;
    // Bytes served per request at most: the device may fill less than the whole buffer
    // (virtio 1.2 5.4.6.1), and a bound keeps one request from holding the loop thread.
    static constexpr uint64_t kMaxRequestBytes = uint64_t{64} * 1024;

    // `loop` watches the request queue; with nullptr nothing does, and whoever drives the
    // device (a test, a fuzzer) calls process().
    static std::shared_ptr<VirtioRng> create(EventLoop* loop, EntropySource source = host_entropy);

    DeviceType type() const override { return DeviceType::Entropy; }
    std::string_view name() const override { return "rng"; }
    uint64_t features() const override { return 0; } // virtio 1.2 5.4.3: none
    std::vector<uint16_t> queue_sizes() const override { return {kQueueSize}; }
    Result<void> activate(Activation const& activation) override;
    void reset() override;

    // Serves every request waiting in the queue, then interrupts the driver if it asked.
    void process();

private:
    VirtioRng(EventLoop* loop, EntropySource source);
    void serve(DescriptorChain const& chain);
    void process_locked();

    EventLoop* loop_;
    EntropySource source_;
    std::mutex mutex_;
    Virtqueue* queue_ = nullptr; // while active
    bool source_failed_ = false;
};

} // namespace vireo::virtio
