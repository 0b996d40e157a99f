#include "devices/virtio/vsock/vsock_packet.h"

#include <cstring>

#include <fmt/format.h>

namespace vireo::virtio::vsock {

namespace {

// Field offsets of struct virtio_vsock_hdr (virtio 1.2 5.10.6).
constexpr size_t kSrcCid = 0;
constexpr size_t kDstCid = 8;
constexpr size_t kSrcPort = 16;
constexpr size_t kDstPort = 20;
constexpr size_t kLen = 24;
constexpr size_t kType = 28;
constexpr size_t kOp = 30;
constexpr size_t kFlags = 32;
constexpr size_t kBufAlloc = 36;
constexpr size_t kFwdCnt = 40;

// vireo runs on little-endian x86-64 hosts, so the fields copy as they are.
template <typename T>
T load(std::span<uint8_t const> bytes, size_t offset) {
    T value{};
    std::memcpy(&value, bytes.data() + offset, sizeof(T));
    return value;
}

template <typename T>
void store(std::span<uint8_t> bytes, size_t offset, T value) {
    std::memcpy(bytes.data() + offset, &value, sizeof(T));
}

} // namespace

std::string_view op_name(Op op) {
    switch (op) {
    case Op::Invalid:
        return "INVALID";
    case Op::Request:
        return "REQUEST";
    case Op::Response:
        return "RESPONSE";
    case Op::Rst:
        return "RST";
    case Op::Shutdown:
        return "SHUTDOWN";
    case Op::Rw:
        return "RW";
    case Op::CreditUpdate:
        return "CREDIT_UPDATE";
    case Op::CreditRequest:
        return "CREDIT_REQUEST";
    }
    return "unknown";
}

std::optional<Header> parse_header(std::span<uint8_t const> bytes) {
    if (bytes.size() < kHeaderSize)
        return std::nullopt;
    Header header;
    header.src_cid = load<uint64_t>(bytes, kSrcCid);
    header.dst_cid = load<uint64_t>(bytes, kDstCid);
    header.src_port = load<uint32_t>(bytes, kSrcPort);
    header.dst_port = load<uint32_t>(bytes, kDstPort);
    header.len = load<uint32_t>(bytes, kLen);
    header.type = load<uint16_t>(bytes, kType);
    header.op = static_cast<Op>(load<uint16_t>(bytes, kOp));
    header.flags = load<uint32_t>(bytes, kFlags);
    header.buf_alloc = load<uint32_t>(bytes, kBufAlloc);
    header.fwd_cnt = load<uint32_t>(bytes, kFwdCnt);
    return header;
}

std::array<uint8_t, kHeaderSize> encode_header(Header const& header) {
    std::array<uint8_t, kHeaderSize> bytes{};
    std::span<uint8_t> out(bytes);
    store(out, kSrcCid, header.src_cid);
    store(out, kDstCid, header.dst_cid);
    store(out, kSrcPort, header.src_port);
    store(out, kDstPort, header.dst_port);
    store(out, kLen, header.len);
    store(out, kType, header.type);
    store(out, kOp, static_cast<uint16_t>(header.op));
    store(out, kFlags, header.flags);
    store(out, kBufAlloc, header.buf_alloc);
    store(out, kFwdCnt, header.fwd_cnt);
    return bytes;
}

std::string describe(Header const& header) {
    return fmt::format("{} {}:{} -> {}:{} len {} type {} flags {:#x} buf_alloc {} fwd_cnt {}",
                       op_name(header.op), header.src_cid, header.src_port, header.dst_cid,
                       header.dst_port, header.len, header.type, header.flags, header.buf_alloc,
                       header.fwd_cnt);
}

} // namespace vireo::virtio::vsock
