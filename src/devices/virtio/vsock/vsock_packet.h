// The virtio socket device's layout and packet header (virtio 1.2 5.10): queues, feature
// bits, configuration, the header every packet starts with, its operations and flags.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace vireo::virtio::vsock {

// Queues (virtio 1.2 5.10.2).
inline constexpr uint16_t kReceiveQueue = 0;
inline constexpr uint16_t kTransmitQueue = 1;
inline constexpr uint16_t kEventQueue = 2;

// Feature bits (virtio 1.2 5.10.3). A driver that negotiates none gets stream sockets.
inline constexpr uint64_t kFeatureStream = uint64_t{1} << 0;
inline constexpr uint64_t kFeatureSeqpacket = uint64_t{1} << 1;

// struct virtio_vsock_config (virtio 1.2 5.10.4): le64 guest_cid.
inline constexpr uint32_t kConfigSize = 8;

// Well-known addresses (virtio 1.2 5.10.4; VMADDR_CID_HOST in Linux's vm_sockets.h): the
// host is CID 2.
inline constexpr uint64_t kHostCid = 2;

// Packet types and operations (virtio 1.2 5.10.6).
inline constexpr uint16_t kTypeStream = 1;
inline constexpr uint16_t kTypeSeqpacket = 2;
enum class Op : uint16_t {
    Invalid = 0,
    Request = 1,
    Response = 2,
    Rst = 3,
    Shutdown = 4,
    Rw = 5,
    CreditUpdate = 6,
    CreditRequest = 7,
};
std::string_view op_name(Op op);

// VIRTIO_VSOCK_OP_SHUTDOWN flags, from the sender's point of view (virtio 1.2 5.10.6.5):
// it will receive no more, it will send no more.
inline constexpr uint32_t kShutdownReceive = 1;
inline constexpr uint32_t kShutdownSend = 2;
inline constexpr uint32_t kShutdownBoth = kShutdownReceive | kShutdownSend;

// The event queue's only event (virtio 1.2 5.10.6.8): le32 id.
inline constexpr uint32_t kEventTransportReset = 0;
inline constexpr size_t kEventSize = 4;

// struct virtio_vsock_hdr (virtio 1.2 5.10.6), 44 bytes, little-endian, packed.
struct Header {
    uint64_t src_cid = 0;
    uint64_t dst_cid = 0;
    uint32_t src_port = 0;
    uint32_t dst_port = 0;
    uint32_t len = 0;
    uint16_t type = kTypeStream;
    Op op = Op::Invalid;
    uint32_t flags = 0;
    uint32_t buf_alloc = 0;
    uint32_t fwd_cnt = 0;
};
inline constexpr size_t kHeaderSize = 44;

// Nothing if `bytes` is shorter than a header; no field is checked.
std::optional<Header> parse_header(std::span<uint8_t const> bytes);
std::array<uint8_t, kHeaderSize> encode_header(Header const& header);
std::string describe(Header const& header);

} // namespace vireo::virtio::vsock
