// The interface between a virtio device (rng, block, net, ...) and the transport that
// presents it to the guest (virtio over PCI). The transport negotiates features, tracks the
// device status, configures the virtqueues and delivers interrupts; the device only says
// what it offers and serves its queues. See README.md in this folder for a walk through.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "devices/virtio/virtio_spec.h"
#include "devices/virtio/virtqueue.h"

namespace vireo {
class GuestMemory;
}

namespace vireo::virtio {

// What a device may ask of its transport, from any thread.
class TransportLink {
public:
    virtual ~TransportLink() = default;
    // The device-specific configuration changed: the driver gets a configuration change
    // notification and sees a new config_generation (virtio 1.2 2.5, 4.1.5.3).
    virtual void config_changed() = 0;
    // The device hit an error it cannot recover from without a reset: DEVICE_NEEDS_RESET
    // and a configuration change notification (virtio 1.2 2.1.2).
    virtual void needs_reset(std::string const& reason) = 0;
};

// What the device gets when the driver sets DRIVER_OK.
struct Activation {
    uint64_t features = 0; // the negotiated features, transport bits included
    // One entry per queue index; nullptr where the driver left the queue disabled. The
    // queues stay valid until reset() returns.
    std::span<Virtqueue* const> queues;
    GuestMemory* memory = nullptr;
};

class VirtioDevice {
public:
    virtual ~VirtioDevice() = default;

    [[nodiscard]] virtual DeviceType type() const = 0;
    [[nodiscard]] virtual std::string_view name() const = 0;
    // The device-specific feature bits offered (bits 0-23 and 50-127, virtio 1.2 2.2). The
    // transport adds VIRTIO_F_VERSION_1, VIRTIO_F_INDIRECT_DESC and VIRTIO_F_EVENT_IDX.
    [[nodiscard]] virtual uint64_t features() const = 0;
    // The largest size of each queue, a power of two; the count is the number of queues.
    [[nodiscard]] virtual std::vector<uint16_t> queue_sizes() const = 0;

    // The device-specific configuration structure (virtio 1.2 4.1.4.6); accesses stay
    // within [0, config_size()). Any thread.
    [[nodiscard]] virtual uint32_t config_size() const { return 0; }
    virtual void read_config(uint32_t offset, std::span<uint8_t> data) {
        (void)offset;
        std::memset(data.data(), 0, data.size());
    }
    virtual void write_config(uint32_t offset, std::span<uint8_t const> data) {
        (void)offset;
        (void)data;
    }

    // The driver set FEATURES_OK with `features`, a subset of what was offered. Returning
    // false leaves FEATURES_OK clear, which tells the driver the combination is refused
    // (virtio 1.2 2.2.2).
    virtual bool accept_features(uint64_t features) {
        (void)features;
        return true;
    }
    // DRIVER_OK: start serving the queues. Called on a vCPU thread with the transport's lock
    // held: register the queues' kick fds with the thread that serves them and return. An
    // error marks the device DEVICE_NEEDS_RESET.
    virtual Result<void> activate(Activation const& activation) = 0;
    // The driver reset the device (or the VM is going away): stop serving the queues. Once
    // this returns, no thread of the device may touch the queues or their buffers. Called
    // only after a successful activate().
    virtual void reset() = 0;

    // The transport introduces itself before anything else happens.
    void attach(TransportLink& link) { link_ = &link; }

protected:
    // nullptr until attached.
    [[nodiscard]] TransportLink* link() const { return link_; }

private:
    TransportLink* link_ = nullptr;
};

} // namespace vireo::virtio
