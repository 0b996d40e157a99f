// The Internet checksum (RFC 1071) and the partial checksums virtio-net drivers leave to the
// device (virtio 1.2 5.1.6.2: VIRTIO_NET_HDR_F_NEEDS_CSUM).
#pragma once

#include <cstdint>
#include <span>

#include "base/result.h"
#include "net/net_header.h"

namespace vireo::net {

// The 16-bit ones' complement sum of `bytes` (RFC 1071 4.1), added to `initial`, folded but
// not inverted. Bytes are summed as big-endian 16-bit words, as they lie on the wire.
uint16_t ones_complement_sum(std::span<uint8_t const> bytes, uint32_t initial = 0);

// What a driver that set NEEDS_CSUM left undone: the field at csum_start + csum_offset holds
// the pseudo-header sum, and the device replaces it with the checksum of everything from
// csum_start to the end of the frame (virtio 1.2 5.1.6.2). A header that points outside the
// frame is the guest's error and leaves the frame untouched.
Result<void> complete_checksum(NetHeader const& header, std::span<uint8_t> frame);

} // namespace vireo::net
