// Reading transmit chains (virtio 1.2 5.1.6.2): the header, the frame across descriptors,
// and every way a guest can get them wrong.
#include <gtest/gtest.h>

#include "devices/virtio/net/net_spec.h"
#include "devices/virtio/net/tx_frame.h"
#include "queue_driver.h"

namespace vireo::virtio {
namespace {

using net::kNetHeaderSize;
using net::NetHeader;
using net::test::Buffer;
using net::test::QueueDriver;

constexpr uint64_t kQueueBase = 0x10000;
constexpr uint64_t kData = 0x100000;
constexpr uint64_t kAllOffloads = net_spec::kCsum | net_spec::kHostTso4;

struct TxFixture : ::testing::Test {
    std::unique_ptr<GuestMemory> memory = *GuestMemory::create(net::test::kRamBytes);
    QueueDriver driver{*memory, 1, 16, kQueueBase};

    // Header then frame, in one descriptor or split at `split`.
    DescriptorChain chain_with(NetHeader const& header, std::vector<uint8_t> const& frame,
                               size_t split = 0) {
        std::vector<uint8_t> bytes(kNetHeaderSize);
        header.serialize(std::span<uint8_t, kNetHeaderSize>(bytes.data(), kNetHeaderSize));
        bytes.insert(bytes.end(), frame.begin(), frame.end());
        driver.write(kData, bytes);
        auto const length = static_cast<uint32_t>(bytes.size());
        if (split == 0) {
            driver.add_chain({Buffer{kData, length, false}});
        } else {
            auto const first = static_cast<uint32_t>(split);
            driver.add_chain(
                {Buffer{kData, first, false}, Buffer{kData + first, length - first, false}});
        }
        return std::move(*driver.queue().pop());
    }
};

std::vector<uint8_t> frame_of(size_t length) {
    std::vector<uint8_t> frame(length);
    for (size_t i = 0; i < length; ++i)
        frame[i] = static_cast<uint8_t>(i * 7);
    return frame;
}

TEST_F(TxFixture, ReadsHeaderAndFrameAcrossDescriptors) {
    NetHeader header;
    header.flags = net::kHeaderNeedsChecksum;
    header.gso_type = net::kGsoTcpV4;
    header.gso_size = 1460;
    header.csum_start = 34;
    header.csum_offset = 16;
    auto const frame = frame_of(3000);
    // Split inside the header, as a driver with any layout may do.
    auto const chain = chain_with(header, frame, 5);
    std::vector<uint8_t> out;
    auto const read = read_tx_frame(chain, kAllOffloads, out);
    ASSERT_TRUE(read) << read.error().message();
    EXPECT_EQ(read->gso_size, 1460);
    EXPECT_EQ(read->csum_start, 34);
    EXPECT_EQ(out, frame);
}

TEST_F(TxFixture, RefusesAFrameShorterThanAnEthernetHeader) {
    std::vector<uint8_t> out;
    EXPECT_FALSE(read_tx_frame(chain_with({}, frame_of(13)), 0, out));
}

TEST_F(TxFixture, RefusesAFrameLongerThanTheLargest) {
    std::vector<uint8_t> out;
    EXPECT_FALSE(
        read_tx_frame(chain_with({}, frame_of(net::kMaxFrameSize + 1)), kAllOffloads, out));
    EXPECT_TRUE(read_tx_frame(chain_with({}, frame_of(net::kMaxFrameSize)), kAllOffloads, out));
}

TEST_F(TxFixture, RefusesOffloadsThatWereNotNegotiated) {
    std::vector<uint8_t> out;
    NetHeader checksum;
    checksum.flags = net::kHeaderNeedsChecksum;
    checksum.csum_start = 34;
    checksum.csum_offset = 16;
    EXPECT_FALSE(read_tx_frame(chain_with(checksum, frame_of(100)), 0, out));
    EXPECT_TRUE(read_tx_frame(chain_with(checksum, frame_of(100)), net_spec::kCsum, out));

    NetHeader tso = checksum;
    tso.gso_type = net::kGsoTcpV4;
    EXPECT_FALSE(read_tx_frame(chain_with(tso, frame_of(100)), net_spec::kCsum, out));
    tso.gso_type = net::kGsoTcpV6;
    EXPECT_FALSE(read_tx_frame(chain_with(tso, frame_of(100)), kAllOffloads, out));
    tso.gso_type = net::kGsoTcpV4 | net::kGsoEcn;
    EXPECT_FALSE(read_tx_frame(chain_with(tso, frame_of(100)), kAllOffloads, out));
    tso.gso_type = net::kGsoUdp;
    EXPECT_FALSE(read_tx_frame(chain_with(tso, frame_of(100)), kAllOffloads, out));
}

TEST_F(TxFixture, RefusesAChecksumFieldOutsideTheFrame) {
    std::vector<uint8_t> out;
    NetHeader header;
    header.flags = net::kHeaderNeedsChecksum;
    header.csum_start = 90;
    header.csum_offset = 9; // the field would be bytes 99 and 100 of a 100-byte frame
    auto const read = read_tx_frame(chain_with(header, frame_of(100)), net_spec::kCsum, out);
    ASSERT_FALSE(read);
    EXPECT_NE(read.error().message().find("outside"), std::string::npos);
    header.csum_offset = 8;
    EXPECT_TRUE(read_tx_frame(chain_with(header, frame_of(100)), net_spec::kCsum, out));
}

TEST_F(TxFixture, IgnoresWritableBuffersOfATransmitChain) {
    auto const frame = frame_of(60);
    std::vector<uint8_t> bytes(kNetHeaderSize, 0);
    bytes.insert(bytes.end(), frame.begin(), frame.end());
    driver.write(kData, bytes);
    driver.add_chain({Buffer{kData, static_cast<uint32_t>(bytes.size()), false},
                      Buffer{kData + 0x1000, 100, true}});
    auto const chain = std::move(*driver.queue().pop());
    std::vector<uint8_t> out;
    ASSERT_TRUE(read_tx_frame(chain, 0, out));
    EXPECT_EQ(out, frame);
}

} // namespace
} // namespace vireo::virtio
