// A stand-in for a guest's virtio driver: lays out a split virtqueue in guest memory, puts
// descriptor chains in it and reads back what the device used (virtio 1.2 2.7).
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "devices/virtio/virtio_spec.h"
#include "devices/virtio/virtqueue.h"
#include "memory/guest_memory.h"

namespace vireo::virtio::test {

inline constexpr uint64_t kRamBytes = 2 * 1024 * 1024;
inline constexpr uint64_t kDescAddress = 0x10000;
inline constexpr uint64_t kAvailAddress = 0x18000;
inline constexpr uint64_t kUsedAddress = 0x1c000;
inline constexpr uint64_t kBufferArea = 0x40000;

struct Buffer {
    uint64_t address;
    uint32_t length;
    bool writable;
};

struct UsedElement {
    uint32_t id;
    uint32_t length;
};

class TestDriver {
public:
    TestDriver(GuestMemory& memory, uint16_t size)
        : memory_(memory)
        , size_(size) {}

    QueueLayout layout(uint16_t index = 0) const {
        return {index, size_, kDescAddress, kAvailAddress, kUsedAddress};
    }

    void set_descriptor(uint16_t index, uint64_t address, uint32_t length, uint16_t flags,
                        uint16_t next, uint64_t table = kDescAddress) {
        uint8_t raw[16];
        std::memcpy(raw, &address, 8);
        std::memcpy(raw + 8, &length, 4);
        std::memcpy(raw + 12, &flags, 2);
        std::memcpy(raw + 14, &next, 2);
        write(table + 16 * uint64_t{index}, raw);
    }

    // Publishes `head` in the available ring (virtio 1.2 2.7.13.2, 2.7.13.3).
    void make_available(uint16_t head) {
        write16(kAvailAddress + 4 + 2 * (avail_idx_ % size_), head);
        write16(kAvailAddress + 2, ++avail_idx_);
    }
    void set_avail_idx(uint16_t idx) {
        avail_idx_ = idx;
        write16(kAvailAddress + 2, idx);
    }
    void set_avail_flags(uint16_t flags) { write16(kAvailAddress, flags); }
    void set_used_event(uint16_t value) { write16(kAvailAddress + 4 + 2 * size_, value); }
    uint16_t avail_event() { return read16(kUsedAddress + 4 + 8 * size_); }

    uint16_t used_idx() { return read16(kUsedAddress + 2); }
    UsedElement used(uint16_t slot) {
        UsedElement element{};
        auto bytes = *memory_.read_object<uint64_t>(kUsedAddress + 4 + 8 * (slot % size_));
        element.id = static_cast<uint32_t>(bytes);
        element.length = static_cast<uint32_t>(bytes >> 32);
        return element;
    }

    // Descriptors `first`, first + 1, ... chained in order; returns the head and publishes it.
    uint16_t add_chain(std::vector<Buffer> const& buffers, uint16_t first = 0) {
        for (size_t i = 0; i < buffers.size(); ++i) {
            bool const last = i + 1 == buffers.size();
            uint16_t const flags = static_cast<uint16_t>((last ? 0 : kDescNext) |
                                                         (buffers[i].writable ? kDescWrite : 0));
            set_descriptor(static_cast<uint16_t>(first + i), buffers[i].address, buffers[i].length,
                           flags, static_cast<uint16_t>(first + i + 1));
        }
        make_available(first);
        return first;
    }

    // One descriptor in the ring pointing at an indirect table at `table` holding `buffers`.
    uint16_t add_indirect(std::vector<Buffer> const& buffers, uint64_t table, uint16_t slot = 0) {
        for (size_t i = 0; i < buffers.size(); ++i) {
            bool const last = i + 1 == buffers.size();
            uint16_t const flags = static_cast<uint16_t>((last ? 0 : kDescNext) |
                                                         (buffers[i].writable ? kDescWrite : 0));
            set_descriptor(static_cast<uint16_t>(i), buffers[i].address, buffers[i].length, flags,
                           static_cast<uint16_t>(i + 1), table);
        }
        set_descriptor(slot, table, static_cast<uint32_t>(16 * buffers.size()), kDescIndirect, 0);
        make_available(slot);
        return slot;
    }

    void fill(uint64_t address, uint8_t value, size_t length) {
        std::vector<uint8_t> bytes(length, value);
        write(address, bytes);
    }
    std::vector<uint8_t> bytes(uint64_t address, size_t length) {
        std::vector<uint8_t> out(length);
        (void)memory_.read(address, out);
        return out;
    }

private:
    void write(uint64_t address, std::span<uint8_t const> bytes) {
        (void)memory_.write(address, bytes);
    }
    void write16(uint64_t address, uint16_t value) { (void)memory_.write_object(address, value); }
    uint16_t read16(uint64_t address) { return *memory_.read_object<uint16_t>(address); }

    GuestMemory& memory_;
    uint16_t size_;
    uint16_t avail_idx_ = 0;
};

// Records what queues report.
class RecordingOwner final : public QueueOwner {
public:
    void queue_interrupt(uint16_t index) override { interrupts.push_back(index); }
    void queue_error(uint16_t index, std::string const& reason) override {
        errors.push_back(std::to_string(index) + ": " + reason);
    }
    std::vector<uint16_t> interrupts;
    std::vector<std::string> errors;
};

inline std::unique_ptr<GuestMemory> make_memory() {
    return *GuestMemory::create(kRamBytes);
}

} // namespace vireo::virtio::test
