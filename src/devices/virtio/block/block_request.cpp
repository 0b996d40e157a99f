#include "devices/virtio/block/block_request.h"

#include <algorithm>
#include <cstring>

namespace vireo::virtio::block {

namespace {

// virtio 1.2 1.4: fields are little-endian, like every host vireo runs on (x86-64).
template <typename T>
T load(uint8_t const* bytes) {
    T value;
    std::memcpy(&value, bytes, sizeof(value));
    return value;
}

// virtio 1.2 5.2.6: the status is the last byte of the device-writable part. The driver
// frames the request as it likes (virtio 1.2 2.6.4), so the byte is wherever the last
// non-empty writable buffer ends.
bool locate_status(DescriptorChain const& chain, BlockRequest& request) {
    auto const writable = chain.writable();
    for (auto segment = writable.rbegin(); segment != writable.rend(); ++segment) {
        if (segment->host.empty())
            continue;
        request.status_byte = &segment->host.back();
        request.status_address = segment->guest_address + segment->host.size() - 1;
        return true;
    }
    return false;
}

// Appends bytes [offset, offset + length) of `segments` to `out`, one iovec per buffer
// touched. False if that takes more than kMaxDataSegments buffers.
bool gather(std::span<Segment const> segments, uint64_t offset, uint64_t length,
            std::vector<iovec>& out) {
    for (auto const& segment : segments) {
        if (length == 0)
            break;
        uint64_t const size = segment.host.size();
        if (offset >= size) {
            offset -= size;
            continue;
        }
        uint64_t const part = std::min(size - offset, length);
        if (out.size() == kMaxDataSegments)
            return false;
        out.push_back({segment.host.data() + offset, part});
        offset = 0;
        length -= part;
    }
    return length == 0;
}

// virtio 1.2 5.2.6.1: a driver MUST NOT go beyond capacity; virtio 1.2 5.2.6 makes that an
// IOERR. Written so that no sum can wrap.
bool within_capacity(uint64_t sector, uint64_t sectors, uint64_t capacity) {
    return sector <= capacity && sectors <= capacity - sector;
}

BlockRequest& finish(BlockRequest& request, Status status) {
    request.kind = BlockRequest::Kind::Finished;
    request.status = status;
    request.data.clear();
    request.ranges.clear();
    return request;
}

// IN and OUT: whole sectors inside the disk (virtio 1.2 5.2.6.1).
BlockRequest& parse_transfer(DescriptorChain const& chain, uint64_t sector, bool write,
                             RequestLimits const& limits, BlockRequest& request) {
    // virtio 1.2 5.2.6.2: a write to a device offered VIRTIO_BLK_F_RO fails, untouched.
    if (write && limits.read_only)
        return finish(request, Status::IoErr);
    uint64_t const length =
        write ? chain.readable_bytes() - kHeaderBytes : chain.writable_bytes() - 1;
    if (length % kSectorSize != 0 ||
        !within_capacity(sector, length >> kSectorShift, limits.capacity_sectors))
        return finish(request, Status::IoErr);
    bool const gathered = write ? gather(chain.readable(), kHeaderBytes, length, request.data)
                                : gather(chain.writable(), 0, length, request.data);
    if (!gathered)
        return finish(request, Status::IoErr);
    request.kind = write ? BlockRequest::Kind::Write : BlockRequest::Kind::Read;
    request.offset = sector << kSectorShift;
    request.length = length;
    return request;
}

// GET_ID: exactly 20 bytes of data (virtio 1.2 5.2.6.1).
BlockRequest& parse_get_id(DescriptorChain const& chain, BlockRequest& request) {
    uint64_t const length = chain.writable_bytes() - 1;
    if (length != kIdBytes || !gather(chain.writable(), 0, length, request.data))
        return finish(request, Status::IoErr);
    request.kind = BlockRequest::Kind::GetId;
    request.length = length;
    return request;
}

struct RangeRules {
    bool discard = false;
    uint32_t max_sectors = 0;
    uint32_t max_segments = 0;
};

// One struct virtio_blk_discard_write_zeroes. Unknown flags, and unmap on a discard, are
// UNSUPP (virtio 1.2 5.2.6.2); sizes and places the device did not promise are IOERR.
Status parse_range(uint8_t const* bytes, RangeRules const& rules, RequestLimits const& limits,
                   ByteRange& range) {
    auto const sector = load<uint64_t>(bytes + kRangeSectorOffset);
    auto const sectors = load<uint32_t>(bytes + kRangeCountOffset);
    auto const flags = load<uint32_t>(bytes + kRangeFlagsOffset);
    if ((flags & ~kRangeFlagUnmap) != 0 || (rules.discard && (flags & kRangeFlagUnmap) != 0))
        return Status::Unsupp;
    if (sectors > rules.max_sectors || !within_capacity(sector, sectors, limits.capacity_sectors))
        return Status::IoErr;
    range = {sector << kSectorShift, uint64_t{sectors} << kSectorShift,
             (flags & kRangeFlagUnmap) != 0};
    return Status::Ok;
}

// DISCARD and WRITE_ZEROES: one or more ranges, at most max_*_seg (virtio 1.2 5.2.6.1).
BlockRequest& parse_ranges(DescriptorChain const& chain, RangeRules const& rules,
                           RequestLimits const& limits, BlockRequest& request) {
    if (limits.read_only)
        return finish(request, Status::IoErr);
    uint64_t const length = chain.readable_bytes() - kHeaderBytes;
    if (length == 0 || length % kRangeBytes != 0 || length / kRangeBytes > rules.max_segments)
        return finish(request, Status::IoErr);
    for (uint64_t offset = kHeaderBytes; offset < chain.readable_bytes(); offset += kRangeBytes) {
        uint8_t bytes[kRangeBytes];
        chain.read(offset, bytes);
        ByteRange range;
        if (auto const status = parse_range(bytes, rules, limits, range); status != Status::Ok)
            return finish(request, status);
        request.ranges.push_back(range);
    }
    request.kind = rules.discard ? BlockRequest::Kind::Discard : BlockRequest::Kind::WriteZeroes;
    return request;
}

bool negotiated(RequestLimits const& limits, uint64_t feature) {
    return (limits.features & feature) != 0;
}

} // namespace

BlockRequest parse_request(DescriptorChain const& chain, RequestLimits const& limits) {
    BlockRequest request;
    if (!locate_status(chain, request))
        return request; // Dropped
    uint8_t header[kHeaderBytes];
    if (chain.read(0, header) != kHeaderBytes)
        return finish(request, Status::IoErr);
    auto const type = static_cast<RequestType>(load<uint32_t>(header + kHeaderTypeOffset));
    auto const sector = load<uint64_t>(header + kHeaderSectorOffset);
    switch (type) {
    case RequestType::In:
        return parse_transfer(chain, sector, false, limits, request);
    case RequestType::Out:
        return parse_transfer(chain, sector, true, limits, request);
    case RequestType::Flush:
        request.kind = BlockRequest::Kind::Flush;
        return request;
    case RequestType::GetId:
        return parse_get_id(chain, request);
    case RequestType::Discard:
        if (!negotiated(limits, kFeatureDiscard))
            return finish(request, Status::Unsupp);
        return parse_ranges(chain, {true, limits.max_discard_sectors, limits.max_discard_segments},
                            limits, request);
    case RequestType::WriteZeroes:
        if (!negotiated(limits, kFeatureWriteZeroes))
            return finish(request, Status::Unsupp);
        return parse_ranges(
            chain, {false, limits.max_write_zeroes_sectors, limits.max_write_zeroes_segments},
            limits, request);
    default:
        // GET_LIFETIME, SECURE_ERASE, zoned commands and unknown types: not offered.
        return finish(request, Status::Unsupp);
    }
}

} // namespace vireo::virtio::block
