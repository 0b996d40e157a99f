// A stand-in for the guest's virtio-net driver in unit tests: split virtqueues laid out in a
// small guest memory (virtio 1.2 2.7), chains of buffers published in them, and what the
// device used read back.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <sys/eventfd.h>

#include <unistd.h>

#include "base/fd.h"
#include "devices/virtio/virtio_spec.h"
#include "devices/virtio/virtqueue.h"
#include "memory/guest_memory.h"

namespace vireo::net::test {

inline constexpr uint64_t kRamBytes = 4 * 1024 * 1024;

struct Buffer {
    uint64_t address;
    uint32_t length;
    bool writable;
};

struct Used {
    uint32_t id;
    uint32_t length;
};

class RecordingOwner final : public virtio::QueueOwner {
public:
    void queue_interrupt(uint16_t index) override { interrupts.push_back(index); }
    void queue_error(uint16_t index, std::string const& reason) override {
        errors.push_back(std::to_string(index) + ": " + reason);
    }
    std::vector<uint16_t> interrupts;
    std::vector<std::string> errors;
};

// One queue: its descriptor table at `base`, available ring at base + 0x1000, used ring at
// base + 0x2000 (room for 256 entries each).
class QueueDriver {
public:
    QueueDriver(GuestMemory& memory, uint16_t index, uint16_t size, uint64_t base,
                uint64_t features = virtio::kFeatureVersion1)
        : memory_(memory)
        , index_(index)
        , size_(size)
        , base_(base)
        , kick_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
        queue_ =
            std::move(*virtio::Virtqueue::create(memory, layout(), features, owner_, kick_.get()));
    }

    virtio::Virtqueue& queue() { return *queue_; }
    // What the driver's notification does: signal the queue's kick eventfd.
    void kick() {
        uint64_t const one = 1;
        (void)!::write(kick_.get(), &one, sizeof(one));
    }
    RecordingOwner& owner() { return owner_; }
    virtio::QueueLayout layout() const {
        return {index_, size_, base_, base_ + 0x1000, base_ + 0x2000};
    }

    // Chains `buffers` through consecutive descriptors and publishes the head.
    uint16_t add_chain(std::vector<Buffer> const& buffers) {
        uint16_t const head = next_desc_;
        for (size_t i = 0; i < buffers.size(); ++i) {
            bool const last = i + 1 == buffers.size();
            uint16_t const flags = static_cast<uint16_t>(
                (last ? 0 : virtio::kDescNext) | (buffers[i].writable ? virtio::kDescWrite : 0));
            uint16_t const slot = static_cast<uint16_t>((head + i) % size_);
            set_descriptor(slot, buffers[i], flags, static_cast<uint16_t>((slot + 1) % size_));
        }
        next_desc_ = static_cast<uint16_t>((head + buffers.size()) % size_);
        write16(base_ + 0x1000 + 4 + 2 * (avail_idx_ % size_), head);
        write16(base_ + 0x1000 + 2, ++avail_idx_);
        return head;
    }

    uint16_t used_idx() const { return *memory_.read_object<uint16_t>(base_ + 0x2000 + 2); }
    Used used(uint16_t slot) const {
        auto const raw = *memory_.read_object<uint64_t>(base_ + 0x2000 + 4 + 8 * (slot % size_));
        return {static_cast<uint32_t>(raw), static_cast<uint32_t>(raw >> 32)};
    }
    std::vector<uint8_t> bytes(uint64_t address, size_t length) const {
        std::vector<uint8_t> out(length);
        (void)memory_.read(address, out);
        return out;
    }
    void write(uint64_t address, std::vector<uint8_t> const& bytes) {
        (void)memory_.write(address, bytes);
    }

private:
    void set_descriptor(uint16_t slot, Buffer const& buffer, uint16_t flags, uint16_t next) {
        uint8_t raw[16];
        std::memcpy(raw, &buffer.address, 8);
        std::memcpy(raw + 8, &buffer.length, 4);
        std::memcpy(raw + 12, &flags, 2);
        std::memcpy(raw + 14, &next, 2);
        (void)memory_.write(base_ + 16 * uint64_t{slot}, raw);
    }
    void write16(uint64_t address, uint16_t value) { (void)memory_.write_object(address, value); }

    GuestMemory& memory_;
    uint16_t index_;
    uint16_t size_;
    uint64_t base_;
    UniqueFd kick_;
    RecordingOwner owner_;
    std::unique_ptr<virtio::Virtqueue> queue_;
    uint16_t next_desc_ = 0;
    uint16_t avail_idx_ = 0;
};

} // namespace vireo::net::test
