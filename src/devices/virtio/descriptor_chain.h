// A descriptor chain of a split virtqueue (virtio 1.2 2.7.5): the buffers one request
// occupies, already checked and turned into host memory. The device-readable buffers come
// first, then the device-writable ones (virtio 1.2 2.7.4.2 requires that order).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/result.h"

namespace vireo {
class GuestMemory;
}

namespace vireo::virtio {

// One buffer of a chain: where the guest put it, and the same bytes in vireo's address space.
// `host` lies wholly inside one guest RAM region.
struct Segment {
    uint64_t guest_address = 0;
    std::span<uint8_t> host;
};

class DescriptorChain {
public:
    // The head descriptor's index: what the used ring returns to the driver.
    [[nodiscard]] uint16_t head() const { return head_; }

    [[nodiscard]] std::span<Segment const> readable() const { return readable_; }
    [[nodiscard]] std::span<Segment const> writable() const { return writable_; }
    [[nodiscard]] uint64_t readable_bytes() const { return readable_bytes_; }
    [[nodiscard]] uint64_t writable_bytes() const { return writable_bytes_; }

    // Copies device-readable bytes from `offset` (counted across the readable buffers) into
    // `out`; returns how many there were.
    size_t read(uint64_t offset, std::span<uint8_t> out) const;
    // Copies `in` into the device-writable buffers from `offset` on; returns how many bytes
    // fitted. The guest learns of them only through Virtqueue::push_used.
    size_t write(uint64_t offset, std::span<uint8_t const> in) const;

private:
    friend class ChainBuilder;
    uint16_t head_ = 0;
    std::vector<Segment> readable_;
    std::vector<Segment> writable_;
    uint64_t readable_bytes_ = 0;
    uint64_t writable_bytes_ = 0;
};

// A table of descriptors in host memory: the queue's own table (`count` = queue size) or an
// indirect table (`count` = len / 16).
struct DescriptorTable {
    uint8_t const* host = nullptr;
    uint32_t count = 0;
};

// Follows the chain that starts at `head` in `table`, checking everything the driver wrote:
// indexes inside the table, at most one pass over it (a longer walk is a loop), indirect
// tables only when negotiated, never nested and never chained on, buffers inside RAM, no
// readable buffer after a writable one, less than 4 GiB in all. Fails with a one-line reason.
Result<DescriptorChain> walk_chain(GuestMemory const& memory, DescriptorTable table, uint16_t head,
                                   bool indirect_allowed);

} // namespace vireo::virtio
