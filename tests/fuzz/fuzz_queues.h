// Driving every virtqueue of a multi-queue device from fuzzer bytes: each queue gets its own
// rings in guest RAM, and each round of input rewrites one queue's descriptor table and a
// shared buffer area and publishes heads in its available ring (the driver's side of virtio
// 1.2 2.7.13), so chains, headers and payloads are all attacker-chosen.
//
// Input, per device: log2 of the queue size (1 to 256 entries, all queues alike); then per
// round: the queue (u8, modulo the count), descriptor table bytes (16-bit length, bytes),
// buffer area bytes (16-bit length, bytes), a count of heads and the heads to publish.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "fuzz_input.h"
#include "memory/guest_memory.h"
#include "pci_driver.h"

namespace vireo::fuzz {

class FuzzQueues {
public:
    static constexpr uint64_t kRamBytes = 4 * 1024 * 1024;
    // Queue i's rings: descriptors at kRingBase + i * kRingStride, available ring 0x8000 and
    // used ring 0xc000 above (room for 256 entries of each).
    static constexpr uint64_t kRingBase = 0x10000;
    static constexpr uint64_t kRingStride = 0x10000;
    static constexpr uint64_t kAvailOffset = 0x8000;
    static constexpr uint64_t kUsedOffset = 0xc000;
    static constexpr uint64_t kBufferArea = 0x200000;
    static constexpr size_t kBufferAreaBytes = 0x10000;

    static GuestMemory& memory() {
        static auto const instance = GuestMemory::create(kRamBytes);
        return **instance;
    }

    // Brings the device up through the PCI transport as a driver would: negotiates
    // `features` (which it must accept), sets up `count` queues with a size from the input,
    // sets DRIVER_OK.
    FuzzQueues(virtio::test::PciDriver& driver, uint64_t features, FuzzInput& input, uint16_t count)
        : size_(static_cast<uint16_t>(1U << (input.u8() % 9)))
        , avail_idx_(count, 0) {
        check((driver.negotiate(features) & virtio::kStatusFeaturesOk) != 0, "features refused");
        for (uint16_t queue = 0; queue < count; ++queue)
            driver.setup_queue(queue, size_, desc(queue), desc(queue) + kAvailOffset,
                               desc(queue) + kUsedOffset);
        driver.driver_ok();
    }

    // One round of input; returns the queue it touched, for the caller to serve.
    uint16_t round(FuzzInput& input) {
        auto const queue = static_cast<uint16_t>(input.u8() % avail_idx_.size());
        copy_in(input, desc(queue), 16 * size_t{size_});
        copy_in(input, kBufferArea, kBufferAreaBytes);
        unsigned const heads = input.u8() % (size_ + 1U);
        for (unsigned i = 0; i < heads; ++i)
            publish(queue, input.u16());
        return queue;
    }

private:
    static uint64_t desc(uint16_t queue) { return kRingBase + kRingStride * queue; }

    static void copy_in(FuzzInput& input, uint64_t address, size_t limit) {
        auto const bytes = input.bytes(std::min<size_t>(input.u16(), limit));
        check(memory().write(address, bytes).has_value(), "guest RAM write");
    }

    // Ring entry, then idx (virtio 1.2 2.7.13.2).
    void publish(uint16_t queue, uint16_t head) {
        uint64_t const avail = desc(queue) + kAvailOffset;
        uint16_t& idx = avail_idx_[queue];
        (void)memory().write_object<uint16_t>(avail + 4 + 2 * (idx % size_), head);
        (void)memory().write_object<uint16_t>(avail + 2, ++idx);
    }

    uint16_t const size_;
    std::vector<uint16_t> avail_idx_;
};

} // namespace vireo::fuzz
