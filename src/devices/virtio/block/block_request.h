// Turning a descriptor chain into a block request (virtio 1.2 5.2.6): the header, the data
// buffers and the status byte, with every rule the driver could break checked before the
// disk is touched. The chain itself is already known to lie in guest RAM (walk_chain); what
// is checked here is what it asks for.
#pragma once

#include <cstdint>
#include <vector>

#include <sys/uio.h>

#include "devices/virtio/block/block_spec.h"
#include "devices/virtio/descriptor_chain.h"

namespace vireo::virtio::block {

// What the device knows when it reads a request.
struct RequestLimits {
    uint64_t capacity_sectors = 0;
    bool read_only = false;
    uint64_t features = 0; // negotiated
    uint32_t max_discard_sectors = 0;
    uint32_t max_discard_segments = 0;
    uint32_t max_write_zeroes_sectors = 0;
    uint32_t max_write_zeroes_segments = 0;
};

// One struct virtio_blk_discard_write_zeroes, in bytes of the image.
struct ByteRange {
    uint64_t offset = 0;
    uint64_t length = 0;
    bool unmap = false;
};

struct BlockRequest {
    enum class Kind {
        Read,        // data <- image at offset
        Write,       // data -> image at offset
        Flush,       // make completed writes stable
        GetId,       // data <- the device ID string
        Discard,     // ranges
        WriteZeroes, // ranges
        Finished,    // nothing to do but report `status`
        Dropped,     // no status byte to report into: return the chain with nothing written
    };
    Kind kind = Kind::Dropped;
    Status status = Status::Ok; // Finished: what to report
    uint64_t offset = 0;        // Read, Write: bytes into the image
    uint64_t length = 0;        // Read, Write, GetId: bytes of data
    std::vector<iovec> data;    // Read, Write, GetId: the guest's buffers, in order
    std::vector<ByteRange> ranges;
    uint8_t* status_byte = nullptr; // where the status goes (host address)
    uint64_t status_address = 0;    // the same byte in guest-physical terms
};

// At most this many data buffers in one request: what preadv/pwritev take (IOV_MAX).
inline constexpr size_t kMaxDataSegments = 1024;

BlockRequest parse_request(DescriptorChain const& chain, RequestLimits const& limits);

} // namespace vireo::virtio::block
