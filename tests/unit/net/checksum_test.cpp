#include <gtest/gtest.h>

#include "frames.h"
#include "net/checksum.h"

namespace vireo::net {
namespace {

using test::Bytes;

constexpr test::Ipv4 kGuestIp = {10, 0, 2, 15};
constexpr test::Ipv4 kHostIp = {10, 0, 2, 2};
constexpr size_t kIpv4Offset = 14;
constexpr size_t kTcpOffset = kIpv4Offset + 20;
constexpr size_t kTcpChecksumOffset = 16;

TEST(Checksum, SumsTheRfc1071Example) {
    // RFC 1071 3: the words 0001 f203 f4f5 f6f7 sum to 0x2ddf0, folded 0xddf2.
    Bytes const bytes = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    EXPECT_EQ(ones_complement_sum(bytes), 0xddf2);
}

TEST(Checksum, PadsAnOddTrailingByte) {
    EXPECT_EQ(ones_complement_sum(Bytes{0x12, 0x34, 0x56}), 0x1234 + 0x5600);
}

TEST(Checksum, AddsTheInitialSum) {
    EXPECT_EQ(ones_complement_sum(Bytes{0xff, 0xff}, 0x0001), 0x0001);
}

// A TCP/IPv4 frame as Linux hands it over with NEEDS_CSUM: the checksum field holds the
// pseudo-header sum; completing it must give the checksum computed in full.
TEST(Checksum, CompletesAPartialTcpChecksum) {
    Bytes const payload(1000, 0xa5);
    Bytes const segment = test::tcp(kGuestIp, kHostIp, 40000, 8080, payload);
    Bytes const reference = test::ethernet(test::kBroadcast, test::kGuestMac, test::kEtherIpv4,
                                           test::ipv4(kGuestIp, kHostIp, test::kProtoTcp, segment));
    Bytes frame = reference;
    uint16_t const partial =
        test::pseudo_header_sum(kGuestIp, kHostIp, test::kProtoTcp, segment.size());
    frame[kTcpOffset + kTcpChecksumOffset] = static_cast<uint8_t>(partial >> 8);
    frame[kTcpOffset + kTcpChecksumOffset + 1] = static_cast<uint8_t>(partial);
    ASSERT_NE(frame, reference);

    NetHeader header;
    header.flags = kHeaderNeedsChecksum;
    header.csum_start = kTcpOffset;
    header.csum_offset = kTcpChecksumOffset;
    ASSERT_TRUE(complete_checksum(header, frame));
    EXPECT_EQ(frame, reference);
}

TEST(Checksum, WritesAZeroChecksumAsAllOnes) {
    // Two bytes whose complemented sum is 0: the field then reads 0xffff (RFC 768).
    Bytes frame = {0xff, 0xff, 0x00, 0x00};
    NetHeader header;
    header.csum_start = 0;
    header.csum_offset = 2;
    ASSERT_TRUE(complete_checksum(header, frame));
    EXPECT_EQ(frame, (Bytes{0xff, 0xff, 0xff, 0xff}));
}

TEST(Checksum, RefusesAFieldOutsideTheFrame) {
    Bytes frame(60, 0x11);
    Bytes const before = frame;
    NetHeader header;
    header.csum_start = 50;
    header.csum_offset = 9; // field at 59..60: one byte past the end
    auto const result = complete_checksum(header, frame);
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().message().find("outside"), std::string::npos);
    header.csum_start = 60;
    header.csum_offset = 0;
    EXPECT_FALSE(complete_checksum(header, frame));
    header.csum_start = 0xffff;
    header.csum_offset = 0xffff;
    EXPECT_FALSE(complete_checksum(header, frame));
    EXPECT_EQ(frame, before);
}

TEST(NetHeaderLayout, ParsesAndSerializesLittleEndianFields) {
    uint8_t raw[kNetHeaderSize] = {1, 0x81, 0x36, 0x00, 0xb4, 0x05, 0x22, 0x00, 0x10, 0x00, 3, 0};
    auto const header = NetHeader::parse(raw);
    EXPECT_TRUE(header.needs_checksum());
    EXPECT_EQ(header.gso_kind(), kGsoTcpV4);
    EXPECT_EQ(header.hdr_len, 0x36);
    EXPECT_EQ(header.gso_size, 1460);
    EXPECT_EQ(header.csum_start, 34);
    EXPECT_EQ(header.csum_offset, 16);
    EXPECT_EQ(header.num_buffers, 3);
    uint8_t out[kNetHeaderSize] = {};
    header.serialize(out);
    EXPECT_EQ(0, std::memcmp(raw, out, kNetHeaderSize));
}

} // namespace
} // namespace vireo::net
