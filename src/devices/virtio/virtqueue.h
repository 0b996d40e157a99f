// The device side of a split virtqueue (virtio 1.2 2.7): takes descriptor chains from the
// available ring, returns them through the used ring, and decides when the driver needs an
// interrupt (VIRTIO_F_EVENT_IDX or the NO_INTERRUPT flag).
//
// Everything in the rings comes from the guest. A broken rule (an index out of range, a
// loop, a buffer outside RAM, an available index that runs ahead by more than the queue
// size) makes the queue report the error to its owner, which marks the device
// DEVICE_NEEDS_RESET (virtio 1.2 2.1.2); the queue then stays broken and pop() returns
// nothing until the driver resets the device.
//
// Threads: a Virtqueue is used by one thread at a time (the device's worker). The driver
// runs concurrently on vCPU threads; the ring accesses use the orderings virtio 1.2 2.7.13
// and 2.7.14 call for.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "devices/virtio/descriptor_chain.h"

namespace vireo {
class GuestMemory;
}

namespace vireo::virtio {

// What a queue tells its transport.
class QueueOwner {
public:
    virtual ~QueueOwner() = default;
    // The driver should be interrupted for queue `index` (a used buffer notification,
    // virtio 1.2 2.3).
    virtual void queue_interrupt(uint16_t index) = 0;
    // The driver broke the queue; `reason` is one line for the trace.
    virtual void queue_error(uint16_t index, std::string const& reason) = 0;
};

// Where the driver put the queue (virtio 1.2 4.1.4.3: queue_size, queue_desc, queue_driver,
// queue_device).
struct QueueLayout {
    uint16_t index = 0;
    uint16_t size = 0;
    uint64_t desc = 0;
    uint64_t driver = 0; // the available ring
    uint64_t device = 0; // the used ring
};

class Virtqueue {
public:
    // Checks the layout (a power-of-two size, aligned parts wholly inside guest RAM: virtio
    // 1.2 2.7) and fails with a one-line reason otherwise. `features` are the negotiated
    // ones; `kick_fd` is the eventfd that driver notifications signal. `memory` and `owner`
    // must outlive the queue.
    static Result<std::unique_ptr<Virtqueue>> create(GuestMemory& memory, QueueLayout const& layout,
                                                     uint64_t features, QueueOwner& owner,
                                                     int kick_fd);

    [[nodiscard]] uint16_t index() const { return layout_.index; }
    [[nodiscard]] uint16_t size() const { return layout_.size; }

    // The next chain the driver made available, if any. Returns nothing once broken.
    std::optional<DescriptorChain> pop();
    // Hands `chain` back to the driver with `written` bytes written into its device-writable
    // buffers (at most writable_bytes()), and tells the guest memory's observers about those
    // bytes. A device that writes more than it reports must call notify_written itself.
    void push_used(DescriptorChain const& chain, uint32_t written);
    // Interrupts the driver if it asked to be told about what push_used returned since the
    // last call (virtio 1.2 2.7.7).
    void notify_if_needed();

    // Whether the driver has made chains available that pop() has not taken: one load of the
    // available ring's idx, for busy-polling a queue without waiting for its kick.
    [[nodiscard]] bool has_available() const;
    [[nodiscard]] bool broken() const { return broken_; }
    // The eventfd driver notifications signal (EFD_NONBLOCK). Devices wait on it where they
    // do their work; consume_kick() resets it and says whether it was signalled.
    [[nodiscard]] int kick_fd() const { return kick_fd_; }
    bool consume_kick() const;

private:
    Virtqueue(GuestMemory& memory, QueueLayout const& layout, uint64_t features, QueueOwner& owner,
              int kick_fd);
    std::optional<uint16_t> available_count();
    bool wait_for_more();
    void fail(std::string const& reason);
    void report_written(DescriptorChain const& chain, uint64_t written);

    [[nodiscard]] uint16_t* avail_field(size_t offset) const;
    [[nodiscard]] uint16_t* used_field(size_t offset) const;

    GuestMemory& memory_;
    QueueLayout layout_;
    QueueOwner& owner_;
    int kick_fd_;
    bool indirect_;
    bool event_idx_;
    uint8_t* desc_ = nullptr;
    uint8_t* avail_ = nullptr;
    uint8_t* used_ = nullptr;
    uint16_t last_avail_ = 0;     // the next available ring entry to take
    uint16_t used_idx_ = 0;       // what the used ring's idx says (vireo is its only writer)
    uint16_t signalled_used_ = 0; // used_idx_ when notify_if_needed last looked
    bool broken_ = false;
};

} // namespace vireo::virtio
