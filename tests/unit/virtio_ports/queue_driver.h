// A stand-in for a guest driver that uses several virtqueues of one virtio-pci device at
// once: brings the device up through the PCI transport (PciDriver), lays each queue out in
// its own area of guest memory, publishes chains and reads back what the device used
// (virtio 1.2 2.7). The device runs on a real event loop; the waits poll with a deadline.
#pragma once

#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "memory/guest_memory.h"
#include "pci_driver.h"

namespace vireo::virtio::test {

inline constexpr uint16_t kRingSize = 64;
inline constexpr uint64_t kRingArea = 0x10000;     // queue i at kRingArea + i * kRingStride
inline constexpr uint64_t kRingStride = 0x4000;    // desc +0, avail +0x1000, used +0x2000
inline constexpr uint64_t kBufferStart = 0x100000; // buffers are handed out from here
inline constexpr uint64_t kMemoryBytes = 4 * 1024 * 1024;

struct Buf {
    uint64_t address;
    uint32_t length;
    bool writable;
};

// Polls `condition` for up to two seconds.
inline bool wait_for(std::function<bool()> const& condition) {
    auto const deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition())
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return condition();
}

class Ring {
public:
    Ring(GuestMemory& memory, uint16_t index)
        : memory_(memory)
        , base_(kRingArea + kRingStride * index) {}

    uint64_t desc() const { return base_; }
    uint64_t avail() const { return base_ + 0x1000; }
    uint64_t used() const { return base_ + 0x2000; }

    // Chains the buffers in fresh descriptors and publishes the head; returns the head.
    uint16_t add(std::vector<Buf> const& buffers) {
        uint16_t const head = next_desc_;
        for (size_t i = 0; i < buffers.size(); ++i) {
            auto const index = static_cast<uint16_t>((next_desc_ + i) % kRingSize);
            bool const last = i + 1 == buffers.size();
            uint16_t const flags = static_cast<uint16_t>((last ? 0 : kDescNext) |
                                                         (buffers[i].writable ? kDescWrite : 0));
            uint16_t const next = static_cast<uint16_t>((index + 1) % kRingSize);
            uint8_t raw[16];
            std::memcpy(raw, &buffers[i].address, 8);
            std::memcpy(raw + 8, &buffers[i].length, 4);
            std::memcpy(raw + 12, &flags, 2);
            std::memcpy(raw + 14, &next, 2);
            (void)memory_.write(desc() + 16 * uint64_t{index}, raw);
        }
        next_desc_ = static_cast<uint16_t>((next_desc_ + buffers.size()) % kRingSize);
        (void)memory_.write_object<uint16_t>(avail() + 4 + 2 * (avail_idx_ % kRingSize), head);
        (void)memory_.write_object<uint16_t>(avail() + 2, ++avail_idx_);
        return head;
    }

    uint16_t used_idx() const { return *memory_.read_object<uint16_t>(used() + 2); }
    // The used elements not taken yet: (head, length).
    std::vector<std::pair<uint32_t, uint32_t>> take_used() {
        std::vector<std::pair<uint32_t, uint32_t>> out;
        uint16_t const idx = used_idx();
        for (; last_used_ != idx; ++last_used_) {
            uint64_t const element = used() + 4 + 8 * (uint64_t{last_used_} % kRingSize);
            out.emplace_back(*memory_.read_object<uint32_t>(element),
                             *memory_.read_object<uint32_t>(element + 4));
        }
        return out;
    }

private:
    GuestMemory& memory_;
    uint64_t base_;
    uint16_t next_desc_ = 0;
    uint16_t avail_idx_ = 0;
    uint16_t last_used_ = 0;
};

class QueueDriver {
public:
    QueueDriver(std::shared_ptr<VirtioDevice> const& device, GuestMemory& memory)
        : memory_(memory)
        , pci_(*VirtioPciDevice::create(device, memory))
        , driver_(*pci_) {}

    // Negotiates `features` and enables `queues` queues.
    bool start(uint64_t features, uint16_t queues) {
        if ((driver_.negotiate(features | kFeatureVersion1) & kStatusFeaturesOk) == 0)
            return false;
        for (uint16_t index = 0; index < queues; ++index) {
            rings_.push_back(std::make_unique<Ring>(memory_, index));
            driver_.setup_queue(index, kRingSize, rings_.back()->desc(), rings_.back()->avail(),
                                rings_.back()->used());
        }
        driver_.driver_ok();
        return (driver_.status() & kStatusNeedsReset) == 0;
    }
    void reset() { driver_.set_status(0); }

    Ring& ring(uint16_t index) { return *rings_.at(index); }
    void notify(uint16_t index) { driver_.notify(index); }
    PciDriver& pci() { return driver_; }
    uint8_t status() { return driver_.status(); }

    // A buffer of `length` bytes, filled with `bytes` if given.
    uint64_t buffer(uint32_t length, std::span<uint8_t const> bytes = {}) {
        uint64_t const address = next_buffer_;
        next_buffer_ += (length + 15) & ~uint64_t{15};
        if (next_buffer_ > kMemoryBytes - 0x10000)
            next_buffer_ = kBufferStart; // recycle: tests use few buffers at a time
        if (!bytes.empty())
            (void)memory_.write(address, bytes);
        return address;
    }
    std::vector<uint8_t> read(uint64_t address, size_t length) {
        std::vector<uint8_t> out(length);
        (void)memory_.read(address, out);
        return out;
    }

private:
    GuestMemory& memory_;
    std::shared_ptr<VirtioPciDevice> pci_;
    PciDriver driver_;
    std::vector<std::unique_ptr<Ring>> rings_;
    uint64_t next_buffer_ = kBufferStart;
};

inline std::vector<uint8_t> bytes_of(std::string_view text) {
    return {text.begin(), text.end()};
}

} // namespace vireo::virtio::test
