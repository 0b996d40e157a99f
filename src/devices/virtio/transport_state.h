// The part of a virtio transport that does not depend on the bus: feature negotiation, the
// device status state machine, the driver's queue configuration, activation and reset, and
// configuration generations (virtio 1.2 2.1, 2.2, 2.4, 3.1). VirtioPciDevice decodes the
// PCI registers onto it.
//
// Threads: the driver-facing methods run on vCPU threads and are serialized by one lock
// (device activation and reset happen under it). The device's threads reach it only through
// TransportLink and QueueOwner, which take no lock, so a device may hold its own lock while
// reporting.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "base/fd.h"
#include "base/result.h"
#include "devices/virtio/virtio_device.h"

namespace vireo {
class GuestMemory;
}

namespace vireo::virtio {

// How the bus layer interrupts the driver (MSI-X or INTx with the ISR, for PCI).
class InterruptTarget {
public:
    virtual ~InterruptTarget() = default;
    virtual void queue_interrupt(uint16_t index) = 0;
    virtual void config_interrupt() = 0;
};

// What the driver programmed for one queue (virtio 1.2 4.1.4.3).
struct QueueSettings {
    uint16_t max_size = 0;
    uint16_t size = 0;
    bool enabled = false;
    uint64_t desc = 0;
    uint64_t driver = 0;
    uint64_t device = 0;
};

class TransportState final : public TransportLink, private QueueOwner {
public:
    // The transport offers these besides the device's own features.
    static constexpr uint64_t kTransportFeatures =
        kFeatureVersion1 | kFeatureIndirectDesc | kFeatureEventIdx;

    // `device`, `memory` and `interrupts` must outlive the state.
    static Result<std::unique_ptr<TransportState>> create(VirtioDevice& device, GuestMemory& memory,
                                                          InterruptTarget& interrupts);
    ~TransportState() override;
    TransportState(TransportState const&) = delete;
    TransportState& operator=(TransportState const&) = delete;

    VirtioDevice& device() { return device_; }
    uint64_t offered_features() const { return offered_; }
    uint64_t driver_features() const;
    // Stores the driver's accepted features `select` * 32 to + 31; ignored once FEATURES_OK
    // is set (features change only across a reset, virtio 1.2 2.2).
    void write_driver_features(uint32_t select, uint32_t value);

    uint8_t status() const { return status_.load(std::memory_order_acquire); }
    // A write of the device status register: 0 resets, other values add bits.
    void write_status(uint8_t value);

    uint8_t config_generation() const { return generation_.load(std::memory_order_acquire); }
    void read_device_config(uint32_t offset, std::span<uint8_t> data);
    void write_device_config(uint32_t offset, std::span<uint8_t const> data);

    uint16_t queue_count() const { return static_cast<uint16_t>(queue_sizes_.size()); }
    // A copy of queue `index`'s settings (index < queue_count()).
    QueueSettings queue(uint16_t index) const;
    // Changes queue `index`'s settings; ignored once the queue is enabled or the device is
    // live. `update` edits a copy.
    template <typename Update>
    void configure_queue(uint16_t index, Update update) {
        std::lock_guard lock(mutex_);
        if (!queue_configurable(index))
            return;
        update(queues_[index]);
    }
    void enable_queue(uint16_t index);

    // An available buffer notification from the driver for queue `index` (any thread).
    void notify(uint16_t index);
    int kick_fd(uint16_t index) const { return kicks_[index].get(); }

    // TransportLink.
    void config_changed() override;
    void needs_reset(std::string const& reason) override;

private:
    TransportState(VirtioDevice& device, GuestMemory& memory, InterruptTarget& interrupts,
                   std::vector<UniqueFd> kicks);
    bool queue_configurable(uint16_t index) const;
    bool features_acceptable(uint64_t features) const;
    void set_features_ok();
    void activate();
    Result<void> build_queues();
    void reset();
    void kick(uint16_t index) const;

    // QueueOwner: reports from the queues, on the device's threads.
    void queue_interrupt(uint16_t index) override;
    void queue_error(uint16_t index, std::string const& reason) override;

    VirtioDevice& device_;
    GuestMemory& memory_;
    InterruptTarget& interrupts_;
    std::vector<uint16_t> queue_sizes_;
    uint64_t offered_ = 0;
    std::vector<UniqueFd> kicks_; // one eventfd per queue, for the life of the transport

    mutable std::mutex mutex_;
    uint64_t driver_features_ = 0;
    std::vector<QueueSettings> queues_;
    std::vector<std::unique_ptr<Virtqueue>> live_queues_;
    bool activated_ = false; // the device's activate() succeeded and reset() is owed
    std::atomic<uint8_t> status_{0};
    std::atomic<uint8_t> generation_{0};
    std::atomic<bool> config_dirty_{false};
    std::atomic<bool> warned_{false};
};

} // namespace vireo::virtio
