// Building the frames a guest would send, for the back end and device tests: Ethernet
// (IEEE 802.3), ARP (RFC 826), IPv4 (RFC 791), UDP (RFC 768), TCP (RFC 793), DHCP (RFC 2131).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "net/checksum.h"

namespace vireo::net::test {

using Bytes = std::vector<uint8_t>;
using Mac = std::array<uint8_t, 6>;
using Ipv4 = std::array<uint8_t, 4>;

inline constexpr Mac kGuestMac = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
inline constexpr Mac kBroadcast = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
inline constexpr uint16_t kEtherIpv4 = 0x0800;
inline constexpr uint16_t kEtherArp = 0x0806;
inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;

inline void put16(Bytes& out, uint16_t value) {
    out.push_back(static_cast<uint8_t>(value >> 8));
    out.push_back(static_cast<uint8_t>(value));
}
inline void put32(Bytes& out, uint32_t value) {
    put16(out, static_cast<uint16_t>(value >> 16));
    put16(out, static_cast<uint16_t>(value));
}
inline void append(Bytes& out, auto const& bytes) {
    out.insert(out.end(), bytes.begin(), bytes.end());
}
inline uint16_t get16(Bytes const& in, size_t offset) {
    return static_cast<uint16_t>((in.at(offset) << 8) | in.at(offset + 1));
}

inline Bytes ethernet(Mac const& destination, Mac const& source, uint16_t type,
                      Bytes const& payload) {
    Bytes frame;
    append(frame, destination);
    append(frame, source);
    put16(frame, type);
    append(frame, payload);
    return frame;
}

inline Bytes ipv4(Ipv4 const& source, Ipv4 const& destination, uint8_t protocol,
                  Bytes const& payload) {
    Bytes packet = {0x45, 0};
    put16(packet, static_cast<uint16_t>(20 + payload.size()));
    put32(packet, 0x00014000); // id 1, don't fragment
    packet.push_back(64);      // TTL
    packet.push_back(protocol);
    put16(packet, 0);
    append(packet, source);
    append(packet, destination);
    uint16_t const checksum = static_cast<uint16_t>(~ones_complement_sum(packet));
    packet[10] = static_cast<uint8_t>(checksum >> 8);
    packet[11] = static_cast<uint8_t>(checksum);
    append(packet, payload);
    return packet;
}

// UDP over IPv4 without a checksum (RFC 768 allows 0).
inline Bytes udp(uint16_t source_port, uint16_t destination_port, Bytes const& payload) {
    Bytes datagram;
    put16(datagram, source_port);
    put16(datagram, destination_port);
    put16(datagram, static_cast<uint16_t>(8 + payload.size()));
    put16(datagram, 0);
    append(datagram, payload);
    return datagram;
}

// The pseudo-header sum a driver leaves in a TCP/UDP checksum field with NEEDS_CSUM.
inline uint16_t pseudo_header_sum(Ipv4 const& source, Ipv4 const& destination, uint8_t protocol,
                                  size_t length) {
    Bytes pseudo;
    append(pseudo, source);
    append(pseudo, destination);
    pseudo.push_back(0);
    pseudo.push_back(protocol);
    put16(pseudo, static_cast<uint16_t>(length));
    return ones_complement_sum(pseudo);
}

inline constexpr uint8_t kTcpSyn = 0x02;
inline constexpr uint8_t kTcpAckPsh = 0x18;

// A TCP segment (20-byte header) with its full checksum.
inline Bytes tcp(Ipv4 const& source, Ipv4 const& destination, uint16_t source_port,
                 uint16_t destination_port, Bytes const& payload, uint8_t flags = kTcpAckPsh) {
    Bytes segment;
    put16(segment, source_port);
    put16(segment, destination_port);
    put32(segment, 1000); // sequence
    put32(segment, 2000); // acknowledgement
    segment.push_back(0x50);
    segment.push_back(flags);
    put16(segment, 8192);
    put16(segment, 0);
    put16(segment, 0);
    append(segment, payload);
    uint16_t const partial = pseudo_header_sum(source, destination, kProtoTcp, segment.size());
    uint16_t const checksum = static_cast<uint16_t>(~ones_complement_sum(segment, partial));
    segment[16] = static_cast<uint8_t>(checksum >> 8);
    segment[17] = static_cast<uint8_t>(checksum);
    return segment;
}

inline Bytes arp_request(Mac const& sender, Ipv4 const& sender_ip, Ipv4 const& target_ip) {
    Bytes arp;
    put16(arp, 1);          // Ethernet
    put16(arp, kEtherIpv4); // IPv4
    arp.push_back(6);
    arp.push_back(4);
    put16(arp, 1); // request
    append(arp, sender);
    append(arp, sender_ip);
    append(arp, Mac{});
    append(arp, target_ip);
    return ethernet(kBroadcast, sender, kEtherArp, arp);
}

// DHCPDISCOVER from `mac` (RFC 2131 4.4.1), broadcast from 0.0.0.0:68 to :67.
inline Bytes dhcp_discover(Mac const& mac, uint32_t xid) {
    Bytes bootp = {1, 1, 6, 0}; // BOOTREQUEST, Ethernet, 6-byte address, 0 hops
    put32(bootp, xid);
    put16(bootp, 0);
    put16(bootp, 0x8000);               // broadcast reply
    bootp.resize(bootp.size() + 16, 0); // ciaddr, yiaddr, siaddr, giaddr
    append(bootp, mac);
    bootp.resize(bootp.size() + 10 + 64 + 128, 0);          // chaddr padding, sname, file
    append(bootp, std::array<uint8_t, 4>{99, 130, 83, 99}); // magic cookie
    append(bootp, std::array<uint8_t, 3>{53, 1, 1});        // DHCPDISCOVER
    bootp.push_back(255);
    Bytes const datagram = udp(68, 67, bootp);
    return ethernet(kBroadcast, mac, kEtherIpv4,
                    ipv4({0, 0, 0, 0}, {255, 255, 255, 255}, kProtoUdp, datagram));
}

} // namespace vireo::net::test
