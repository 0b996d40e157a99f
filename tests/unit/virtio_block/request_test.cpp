// parse_request on chains a test driver puts in a real split virtqueue.
#include <gtest/gtest.h>

#include "block_test_support.h"
#include "devices/virtio/block/block_request.h"

namespace vireo::virtio::block {
namespace {

using test::kDataAddress;
using test::kHeaderAddress;
using test::kStatusAddress;
using virtio::test::Buffer;
using Kind = BlockRequest::Kind;

constexpr uint16_t kQueueSize = 64;
constexpr uint64_t kCapacity = 1000; // sectors

class RequestTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto queue = Virtqueue::create(*memory_, ring_.layout(), kFeatureIndirectDesc, owner_, -1);
        ASSERT_TRUE(queue);
        queue_ = std::move(*queue);
        limits_.capacity_sectors = kCapacity;
        limits_.features = kFeatureFlush | kFeatureDiscard | kFeatureWriteZeroes;
        limits_.max_discard_sectors = 256;
        limits_.max_discard_segments = 2;
        limits_.max_write_zeroes_sectors = 256;
        limits_.max_write_zeroes_segments = 2;
    }

    // Publishes `buffers` and parses the chain the queue hands out.
    BlockRequest parse(std::vector<Buffer> const& buffers) {
        ring_.add_chain(buffers);
        auto chain = queue_->pop();
        EXPECT_TRUE(chain.has_value()) << (owner_.errors.empty() ? "" : owner_.errors[0]);
        if (!chain)
            return {};
        chain_ = std::move(*chain);
        return parse_request(chain_, limits_);
    }
    BlockRequest simple(RequestType type, uint64_t sector, uint32_t data_bytes, bool writable) {
        test::write_header(*memory_, type, sector);
        std::vector<Buffer> buffers{{kHeaderAddress, 16, false}};
        if (data_bytes > 0)
            buffers.push_back({kDataAddress, data_bytes, writable});
        buffers.push_back({kStatusAddress, 1, true});
        return parse(buffers);
    }

    std::unique_ptr<GuestMemory> memory_ = virtio::test::make_memory();
    virtio::test::TestDriver ring_{*memory_, kQueueSize};
    virtio::test::RecordingOwner owner_;
    std::unique_ptr<Virtqueue> queue_;
    DescriptorChain chain_;
    RequestLimits limits_;
};

TEST_F(RequestTest, ReadTargetsTheWritableBuffersBeforeTheStatus) {
    auto const request = simple(RequestType::In, 3, 1024, true);
    ASSERT_EQ(request.kind, Kind::Read);
    EXPECT_EQ(request.offset, 3 * kSectorSize);
    EXPECT_EQ(request.length, 1024U);
    ASSERT_EQ(request.data.size(), 1U);
    EXPECT_EQ(request.data[0].iov_len, 1024U);
    EXPECT_EQ(request.data[0].iov_base, memory_->host_pointer(kDataAddress, 1024));
    EXPECT_EQ(request.status_byte, memory_->host_pointer(kStatusAddress, 1));
    EXPECT_EQ(request.status_address, kStatusAddress);
}

TEST_F(RequestTest, WriteTakesTheReadableBytesAfterTheHeader) {
    auto const request = simple(RequestType::Out, 0, 512, false);
    ASSERT_EQ(request.kind, Kind::Write);
    EXPECT_EQ(request.length, 512U);
    EXPECT_EQ(request.data[0].iov_base, memory_->host_pointer(kDataAddress, 512));
}

// virtio 1.2 2.6.4: the driver may frame the request any way; here the header and the
// first data sector share a buffer, and the status byte ends a data buffer.
TEST_F(RequestTest, FramingDoesNotMatter) {
    test::write_header(*memory_, RequestType::Out, 7);
    auto const request = parse({{kHeaderAddress, 8, false},
                                {kHeaderAddress + 8, 8 + 256, false},
                                {kDataAddress, 256, false},
                                {kStatusAddress, 1, true}});
    ASSERT_EQ(request.kind, Kind::Write);
    EXPECT_EQ(request.offset, 7 * kSectorSize);
    ASSERT_EQ(request.data.size(), 2U);
    EXPECT_EQ(request.data[0].iov_base, memory_->host_pointer(kHeaderAddress + 16, 256));
    EXPECT_EQ(request.data[0].iov_len, 256U);

    test::write_header(*memory_, RequestType::In, 7);
    auto const read = parse({{kHeaderAddress, 16, false}, {kDataAddress, 512 + 1, true}});
    ASSERT_EQ(read.kind, Kind::Read);
    EXPECT_EQ(read.length, 512U);
    EXPECT_EQ(read.status_address, kDataAddress + 512);
}

TEST_F(RequestTest, TransfersBeyondTheCapacityFail) {
    EXPECT_EQ(simple(RequestType::In, kCapacity - 1, 512, true).kind, Kind::Read);
    auto const past = simple(RequestType::In, kCapacity - 1, 1024, true);
    EXPECT_EQ(past.kind, Kind::Finished);
    EXPECT_EQ(past.status, Status::IoErr);
    // A sector so large that sector + count wraps around 2^64.
    auto const wrapped = simple(RequestType::Out, ~uint64_t{0}, 512, false);
    EXPECT_EQ(wrapped.status, Status::IoErr);
    EXPECT_EQ(simple(RequestType::In, kCapacity, 0, true).kind, Kind::Read);
}

TEST_F(RequestTest, PartialSectorsFail) {
    auto const request = simple(RequestType::In, 0, 500, true);
    EXPECT_EQ(request.kind, Kind::Finished);
    EXPECT_EQ(request.status, Status::IoErr);
    EXPECT_TRUE(request.data.empty());
}

TEST_F(RequestTest, WritesToAReadOnlyDiskFail) {
    limits_.read_only = true;
    EXPECT_EQ(simple(RequestType::Out, 0, 512, false).status, Status::IoErr);
    EXPECT_EQ(simple(RequestType::In, 0, 512, true).kind, Kind::Read);
}

TEST_F(RequestTest, ShortHeaderFails) {
    auto const request = parse({{kHeaderAddress, 12, false}, {kStatusAddress, 1, true}});
    EXPECT_EQ(request.kind, Kind::Finished);
    EXPECT_EQ(request.status, Status::IoErr);
}

TEST_F(RequestTest, NoWritableByteMeansNoAnswer) {
    test::write_header(*memory_, RequestType::In, 0);
    EXPECT_EQ(parse({{kHeaderAddress, 16, false}}).kind, Kind::Dropped);
    EXPECT_EQ(parse({{kHeaderAddress, 16, false}, {kStatusAddress, 0, true}}).kind, Kind::Dropped);
}

TEST_F(RequestTest, UnknownTypesAreUnsupported) {
    for (uint32_t type : {2U, 10U, 14U, 16U, 0xffffffffU}) {
        auto const request = simple(static_cast<RequestType>(type), 0, 0, false);
        EXPECT_EQ(request.kind, Kind::Finished) << type;
        EXPECT_EQ(request.status, Status::Unsupp) << type;
    }
}

TEST_F(RequestTest, FlushAndGetId) {
    EXPECT_EQ(simple(RequestType::Flush, 0, 0, false).kind, Kind::Flush);
    auto const id = simple(RequestType::GetId, 0, kIdBytes, true);
    EXPECT_EQ(id.kind, Kind::GetId);
    EXPECT_EQ(id.length, kIdBytes);
    EXPECT_EQ(simple(RequestType::GetId, 0, 16, true).status, Status::IoErr);
}

TEST_F(RequestTest, DiscardRanges) {
    test::write_range(*memory_, kDataAddress, 0, 8, 16, 0);
    test::write_range(*memory_, kDataAddress, 1, 100, 256, 0);
    test::write_header(*memory_, RequestType::Discard, 0);
    auto const request = simple(RequestType::Discard, 0, 2 * kRangeBytes, false);
    ASSERT_EQ(request.kind, Kind::Discard);
    ASSERT_EQ(request.ranges.size(), 2U);
    EXPECT_EQ(request.ranges[0].offset, 8 * kSectorSize);
    EXPECT_EQ(request.ranges[0].length, 16 * kSectorSize);
    EXPECT_EQ(request.ranges[1].offset, 100 * kSectorSize);
}

TEST_F(RequestTest, DiscardRulesOfTheSpecification) {
    auto discard_with = [&](uint64_t sector, uint32_t sectors, uint32_t flags) {
        test::write_range(*memory_, kDataAddress, 0, sector, sectors, flags);
        return simple(RequestType::Discard, 0, kRangeBytes, false).status;
    };
    EXPECT_EQ(discard_with(0, 8, kRangeFlagUnmap), Status::Unsupp); // unmap is for write zeroes
    EXPECT_EQ(discard_with(0, 8, 2), Status::Unsupp);               // an unknown flag
    EXPECT_EQ(discard_with(0, 257, 0), Status::IoErr);              // over max_discard_sectors
    EXPECT_EQ(discard_with(kCapacity - 4, 8, 0), Status::IoErr);    // beyond the disk
    EXPECT_EQ(simple(RequestType::Discard, 0, 3 * kRangeBytes, false).status, Status::IoErr);
    EXPECT_EQ(simple(RequestType::Discard, 0, 10, false).status, Status::IoErr);
    EXPECT_EQ(simple(RequestType::Discard, 0, 0, false).status, Status::IoErr);
    limits_.features &= ~kFeatureDiscard;
    EXPECT_EQ(discard_with(0, 8, 0), Status::Unsupp);
}

TEST_F(RequestTest, WriteZeroesMayUnmap) {
    test::write_range(*memory_, kDataAddress, 0, 16, 8, kRangeFlagUnmap);
    auto const request = simple(RequestType::WriteZeroes, 0, kRangeBytes, false);
    ASSERT_EQ(request.kind, Kind::WriteZeroes);
    EXPECT_TRUE(request.ranges[0].unmap);
    limits_.read_only = true;
    EXPECT_EQ(simple(RequestType::WriteZeroes, 0, kRangeBytes, false).status, Status::IoErr);
}

// More buffers than preadv takes: an error, not a truncated transfer. The chain lives in an
// indirect table, which may hold more descriptors than the queue.
TEST_F(RequestTest, TooManyDataBuffersFail) {
    auto chain_of = [&](size_t buffers) {
        std::vector<Buffer> list{{kHeaderAddress, 16, false}};
        for (size_t i = 0; i < buffers; ++i)
            list.push_back({kDataAddress + i, 1, true});
        list.push_back({kStatusAddress, 1, true});
        test::write_header(*memory_, RequestType::In, 0);
        ring_.add_indirect(list, virtio::test::kBufferArea + 0x20000);
        auto chain = queue_->pop();
        EXPECT_TRUE(chain.has_value());
        chain_ = std::move(*chain);
        return parse_request(chain_, limits_);
    };
    EXPECT_EQ(chain_of(kMaxDataSegments).kind, Kind::Read);
    auto const over = chain_of(kMaxDataSegments + 512);
    EXPECT_EQ(over.kind, Kind::Finished);
    EXPECT_EQ(over.status, Status::IoErr);
}

} // namespace
} // namespace vireo::virtio::block
