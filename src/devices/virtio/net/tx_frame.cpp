#include "devices/virtio/net/tx_frame.h"

#include "devices/virtio/net/net_spec.h"

namespace vireo::virtio {

using net::NetHeader;

namespace {

constexpr size_t kChecksumFieldSize = 2;

// virtio 1.2 5.1.6.2.1: the driver sets NEEDS_CSUM only with VIRTIO_NET_F_CSUM, and a
// gso_type only with the matching HOST_TSO feature (HOST_ECN for the ECN bit).
Result<void> check_offloads(NetHeader const& header, uint64_t features, size_t frame_size) {
    if (header.needs_checksum()) {
        if ((features & net_spec::kCsum) == 0)
            return make_error("NEEDS_CSUM without VIRTIO_NET_F_CSUM");
        if (size_t{header.csum_start} + header.csum_offset + kChecksumFieldSize > frame_size)
            return make_error("checksum at {}+{} outside the {}-byte frame", header.csum_start,
                              header.csum_offset, frame_size);
    }
    if ((header.gso_type & net::kGsoEcn) != 0 && (features & net_spec::kHostEcn) == 0)
        return make_error("GSO ECN without VIRTIO_NET_F_HOST_ECN");
    switch (header.gso_kind()) {
    case net::kGsoNone:
        return {};
    case net::kGsoTcpV4:
        if ((features & net_spec::kHostTso4) != 0)
            return {};
        break;
    case net::kGsoTcpV6:
        if ((features & net_spec::kHostTso6) != 0)
            return {};
        break;
    default:
        break;
    }
    return make_error("gso_type {:#x} was not negotiated", header.gso_type);
}

} // namespace

Result<NetHeader> read_tx_frame(DescriptorChain const& chain, uint64_t features,
                                std::vector<uint8_t>& frame) {
    uint64_t const bytes = chain.readable_bytes();
    if (bytes < net::kNetHeaderSize + net::kEthernetHeaderSize)
        return make_error("{} bytes: shorter than a header and an Ethernet header", bytes);
    if (bytes - net::kNetHeaderSize > net::kMaxFrameSize)
        return make_error("{}-byte frame: longer than {}", bytes - net::kNetHeaderSize,
                          net::kMaxFrameSize);
    uint8_t raw[net::kNetHeaderSize];
    chain.read(0, raw);
    auto const header = NetHeader::parse(raw);
    frame.resize(bytes - net::kNetHeaderSize);
    chain.read(net::kNetHeaderSize, frame);
    TRY(check_offloads(header, features, frame.size()));
    return header;
}

} // namespace vireo::virtio
