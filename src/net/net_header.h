// The header that travels with every frame between the guest and a back end: struct
// virtio_net_hdr (virtio 1.2 5.1.6). Guest frames carry it on the transmit queue, the device
// writes it in front of every received frame, and Linux's tap device reads and writes the
// same layout with IFF_VNET_HDR, so the back ends use it to describe offloads too.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>

namespace vireo::net {

// flags (virtio 1.2 5.1.6).
inline constexpr uint8_t kHeaderNeedsChecksum = 1; // VIRTIO_NET_HDR_F_NEEDS_CSUM
inline constexpr uint8_t kHeaderDataValid = 2;     // VIRTIO_NET_HDR_F_DATA_VALID

// gso_type (virtio 1.2 5.1.6).
inline constexpr uint8_t kGsoNone = 0;
inline constexpr uint8_t kGsoTcpV4 = 1;
inline constexpr uint8_t kGsoUdp = 3;
inline constexpr uint8_t kGsoTcpV6 = 4;
inline constexpr uint8_t kGsoUdpL4 = 5;
inline constexpr uint8_t kGsoEcn = 0x80;

// With VIRTIO_F_VERSION_1 the header always has num_buffers: 12 bytes (virtio 1.2 5.1.6.1).
inline constexpr size_t kNetHeaderSize = 12;

// The largest frame a device handles: a 64 KiB TCP/IP super-packet with its Ethernet and
// VLAN headers, the size virtio 1.2 5.1.6.3.1 asks receive buffers to hold with GSO.
inline constexpr size_t kMaxFrameSize = 65562 - kNetHeaderSize;
// Ethernet's payload (IEEE 802.3 3.2.7): the MTU unless a back end says otherwise.
inline constexpr uint16_t kEthernetMtu = 1500;
// The smallest: an Ethernet header (IEEE 802.3 3.1.1: two addresses and the type).
inline constexpr size_t kEthernetHeaderSize = 14;

// Fields are little-endian in the guest (virtio 1.2 5.1.6); vireo runs on x86-64 hosts only.
static_assert(std::endian::native == std::endian::little);

struct NetHeader {
    uint8_t flags = 0;
    uint8_t gso_type = kGsoNone;
    uint16_t hdr_len = 0;
    uint16_t gso_size = 0;
    uint16_t csum_start = 0;
    uint16_t csum_offset = 0;
    uint16_t num_buffers = 0;

    static NetHeader parse(std::span<uint8_t const, kNetHeaderSize> bytes) {
        NetHeader header;
        std::memcpy(&header, bytes.data(), kNetHeaderSize);
        return header;
    }
    void serialize(std::span<uint8_t, kNetHeaderSize> out) const {
        std::memcpy(out.data(), this, kNetHeaderSize);
    }
    bool needs_checksum() const { return (flags & kHeaderNeedsChecksum) != 0; }
    // The segmentation type without the ECN bit.
    uint8_t gso_kind() const { return static_cast<uint8_t>(gso_type & ~kGsoEcn); }
};
static_assert(sizeof(NetHeader) == kNetHeaderSize);

} // namespace vireo::net
