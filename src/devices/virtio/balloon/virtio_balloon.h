// The traditional memory balloon (virtio 1.2 5.5). The host sets a target size; the guest's
// driver inflates the balloon (hands pages over on inflateq) or deflates it (takes them back
// on deflateq) and reports the size it reached in `actual`. Pages handed over go back to the
// host at once (page_release.h). With the features vireo offers, the guest also sends its
// memory statistics (statsq), may deflate under memory pressure (DEFLATE_ON_OOM), and
// reports ranges of free memory (free page reporting), which go back to the host the same
// way. Queues are served on the VMM's event loop thread; the host's side (target, status,
// statistics) is safe from any thread.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>

#include "devices/virtio/balloon/balloon_spec.h"
#include "devices/virtio/balloon/balloon_stats.h"
#include "devices/virtio/virtio_device.h"

namespace vireo {
class EventLoop;
}

namespace vireo::virtio {

struct BalloonStatus {
    bool driver_active = false;  // the guest's driver set DRIVER_OK
    uint32_t target_pages = 0;   // num_pages: the balloon size the host asks for
    uint32_t actual_pages = 0;   // actual: the size the driver says it reached
    uint64_t inflated_pages = 0; // pages given on inflateq less those taken back
    uint64_t reported_bytes = 0; // free memory the guest reported, in all
    uint64_t stats_updates = 0;  // statistics buffers received
    balloon::BalloonStats stats; // the latest ones
    std::optional<std::chrono::steady_clock::duration> stats_age; // none: none received
};

class VirtioBalloon final : public VirtioDevice,
                            public std::enable_shared_from_this<VirtioBalloon> {
public:
    // Linux's free page reporting wants room for 32 buffers (PAGE_REPORTING_CAPACITY) and
    // gives up on a smaller reporting_vq; QEMU's 128 suits the other queues too.
    static constexpr uint16_t kQueueSize = 128;
    static constexpr uint64_t kOfferedFeatures =
        balloon::kFeatureStatsVq | balloon::kFeatureDeflateOnOom | balloon::kFeaturePageReporting;

    // `loop` watches the queues; with nullptr nothing does, and whoever drives the device (a
    // test, a fuzzer) calls process().
    static std::shared_ptr<VirtioBalloon> create(EventLoop* loop);

    [[nodiscard]] DeviceType type() const override { return DeviceType::Balloon; }
    [[nodiscard]] std::string_view name() const override { return "balloon"; }
    [[nodiscard]] uint64_t features() const override { return kOfferedFeatures; }
    [[nodiscard]] std::vector<uint16_t> queue_sizes() const override;
    [[nodiscard]] uint32_t config_size() const override { return balloon::kConfigSize; }
    void read_config(uint32_t offset, std::span<uint8_t> data) override;
    void write_config(uint32_t offset, std::span<uint8_t const> data) override;
    Result<void> activate(Activation const& activation) override;
    void reset() override;

    // The balloon size the host wants, in 4 KiB pages; the driver hears of it through a
    // configuration change notification.
    void set_target_pages(uint32_t pages);
    [[nodiscard]] BalloonStatus status() const;
    // Asks the guest for fresh statistics (by returning the buffer it left on statsq,
    // virtio 1.2 5.5.6.3) and waits up to `wait` for them.
    BalloonStatus status_with_fresh_stats(std::chrono::milliseconds wait);
    // The VM is stopping: waits for statistics end now, and later ones return at once (a
    // guest that has stopped sends none, and a client's wait must not hold up teardown).
    void stop_waiting();

    // Serves what waits on one queue (the event loop calls this when the queue is kicked).
    void serve(balloon::QueueRole role);
    // Serves whatever waits on every queue.
    void process();

private:
    using QueueRole = balloon::QueueRole;
    static constexpr size_t kRoleCount = 5;

    explicit VirtioBalloon(EventLoop* loop);
    void assign_queues(Activation const& activation);
    Result<void> watch_queues();
    void unwatch_queues();
    Virtqueue*& queue(QueueRole role) { return queues_[static_cast<size_t>(role)]; }
    BalloonStatus status_locked() const;
    bool request_stats_locked();

    // balloon_queues.cpp: one function per queue.
    void serve_locked(QueueRole role);
    void inflate(DescriptorChain const& chain);
    void deflate(DescriptorChain const& chain);
    void report_free(DescriptorChain const& chain);
    void receive_stats(DescriptorChain chain);
    void warn_release_failed(Error const& error);

    EventLoop* loop_;
    mutable std::mutex mutex_;
    std::condition_variable stats_arrived_;
    GuestMemory* memory_ = nullptr;               // while active
    std::array<Virtqueue*, kRoleCount> queues_{}; // by role, while active
    uint32_t target_pages_ = 0;
    uint32_t actual_pages_ = 0;
    uint64_t inflated_pages_ = 0;
    uint64_t reported_bytes_ = 0;
    // The statsq buffer, held until vireo wants fresh statistics (virtio 1.2 5.5.6.3).
    std::optional<DescriptorChain> stats_buffer_;
    balloon::BalloonStats stats_;
    uint64_t stats_updates_ = 0;
    bool waits_stopped_ = false;
    std::optional<std::chrono::steady_clock::time_point> stats_time_;
    bool release_failed_ = false;
};

} // namespace vireo::virtio
