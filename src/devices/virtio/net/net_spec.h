// Constants of the virtio network device (virtio 1.2 5.1), named as the specification
// names them.
#pragma once

#include <cstdint>

namespace vireo::virtio::net_spec {

// Feature bits (virtio 1.2 5.1.3).
inline constexpr uint64_t kCsum = uint64_t{1} << 0;      // VIRTIO_NET_F_CSUM
inline constexpr uint64_t kGuestCsum = uint64_t{1} << 1; // VIRTIO_NET_F_GUEST_CSUM
inline constexpr uint64_t kMtu = uint64_t{1} << 3;       // VIRTIO_NET_F_MTU
inline constexpr uint64_t kMac = uint64_t{1} << 5;       // VIRTIO_NET_F_MAC
inline constexpr uint64_t kGuestTso4 = uint64_t{1} << 7;
inline constexpr uint64_t kGuestTso6 = uint64_t{1} << 8;
inline constexpr uint64_t kGuestEcn = uint64_t{1} << 9;
inline constexpr uint64_t kGuestUfo = uint64_t{1} << 10;
inline constexpr uint64_t kHostTso4 = uint64_t{1} << 11;
inline constexpr uint64_t kHostTso6 = uint64_t{1} << 12;
inline constexpr uint64_t kHostEcn = uint64_t{1} << 13;
inline constexpr uint64_t kHostUfo = uint64_t{1} << 14;
inline constexpr uint64_t kMrgRxbuf = uint64_t{1} << 15; // VIRTIO_NET_F_MRG_RXBUF
inline constexpr uint64_t kStatus = uint64_t{1} << 16;   // VIRTIO_NET_F_STATUS

// Configuration status bits (virtio 1.2 5.1.4).
inline constexpr uint16_t kStatusLinkUp = 1;

// Queue indexes with one queue pair and no control queue (virtio 1.2 5.1.2).
inline constexpr uint16_t kReceiveQueue = 0;
inline constexpr uint16_t kTransmitQueue = 1;

// struct virtio_net_config up to mtu (virtio 1.2 5.1.4): the fields this device defines.
// Little-endian, like the rest of a modern device's configuration (virtio 1.2 4.1.3.1).
#pragma pack(push, 1)
struct Config {
    uint8_t mac[6];
    uint16_t status;
    uint16_t max_virtqueue_pairs;
    uint16_t mtu;
};
#pragma pack(pop)
static_assert(sizeof(Config) == 12);

} // namespace vireo::virtio::net_spec
