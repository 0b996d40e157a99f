// Receive buffer accounting (virtio 1.2 5.1.6.3, 5.1.6.4): one chain per frame without
// mergeable buffers, num_buffers chains with them, held chains while too few are there.
#include <numeric>

#include <gtest/gtest.h>

#include "devices/virtio/net/rx_buffers.h"
#include "queue_driver.h"

namespace vireo::virtio {
namespace {

using net::kNetHeaderSize;
using net::NetHeader;
using net::test::Buffer;
using net::test::QueueDriver;

constexpr uint64_t kQueueBase = 0x10000;
constexpr uint64_t kBuffers = 0x100000;
constexpr uint16_t kQueueSize = 16;

std::vector<uint8_t> pattern(size_t length) {
    std::vector<uint8_t> bytes(length);
    std::iota(bytes.begin(), bytes.end(), uint8_t{7});
    return bytes;
}

struct RxFixture : ::testing::Test {
    std::unique_ptr<GuestMemory> memory = *GuestMemory::create(net::test::kRamBytes);
    QueueDriver driver{*memory, 0, kQueueSize, kQueueBase};

    // A one-descriptor receive buffer of `length` bytes, the n-th of its kind.
    uint64_t add_buffer(uint32_t length, unsigned n) {
        uint64_t const address = kBuffers + 0x20000 * uint64_t{n};
        driver.add_chain({Buffer{address, length, true}});
        return address;
    }
    NetHeader header_in(uint64_t address) {
        auto const raw = driver.bytes(address, kNetHeaderSize);
        return NetHeader::parse(
            std::span<uint8_t const, kNetHeaderSize>(raw.data(), kNetHeaderSize));
    }
};

TEST_F(RxFixture, SingleModePutsHeaderAndFrameInOneChain) {
    RxBuffers buffers(RxBuffers::Mode::Single);
    uint64_t const address = add_buffer(1526, 0);
    auto const frame = pattern(1000);
    NetHeader header;
    header.flags = net::kHeaderDataValid;
    ASSERT_EQ(buffers.place(driver.queue(), header, frame), RxBuffers::Outcome::Placed);
    ASSERT_EQ(driver.used_idx(), 1);
    EXPECT_EQ(driver.used(0).length, kNetHeaderSize + frame.size());
    EXPECT_EQ(header_in(address).num_buffers, 1);
    EXPECT_EQ(header_in(address).flags, net::kHeaderDataValid);
    EXPECT_EQ(driver.bytes(address + kNetHeaderSize, frame.size()), frame);
}

TEST_F(RxFixture, SingleModeWithoutBuffersSaysSo) {
    RxBuffers buffers(RxBuffers::Mode::Single);
    EXPECT_EQ(buffers.place(driver.queue(), {}, pattern(100)), RxBuffers::Outcome::NoBuffers);
    EXPECT_EQ(driver.used_idx(), 0);
}

TEST_F(RxFixture, SingleModeKeepsATooSmallChainForASmallerFrame) {
    RxBuffers buffers(RxBuffers::Mode::Single);
    uint64_t const address = add_buffer(200, 0);
    EXPECT_EQ(buffers.place(driver.queue(), {}, pattern(1000)), RxBuffers::Outcome::Dropped);
    EXPECT_EQ(driver.used_idx(), 0);
    EXPECT_EQ(buffers.held(), 1u);
    auto const small = pattern(100);
    ASSERT_EQ(buffers.place(driver.queue(), {}, small), RxBuffers::Outcome::Placed);
    EXPECT_EQ(driver.used(0).length, kNetHeaderSize + small.size());
    EXPECT_EQ(driver.bytes(address + kNetHeaderSize, small.size()), small);
}

TEST_F(RxFixture, MergeableSpreadsAFrameOverFullChains) {
    RxBuffers buffers(RxBuffers::Mode::Mergeable);
    uint64_t const first = add_buffer(1000, 0);
    uint64_t const second = add_buffer(1000, 1);
    uint64_t const third = add_buffer(1000, 2);
    add_buffer(1000, 3);
    auto const frame = pattern(2500);
    ASSERT_EQ(buffers.place(driver.queue(), {}, frame), RxBuffers::Outcome::Placed);
    ASSERT_EQ(driver.used_idx(), 3);
    // Every chain but the last is used to its end (virtio 1.2 5.1.6.4).
    EXPECT_EQ(driver.used(0).length, 1000u);
    EXPECT_EQ(driver.used(1).length, 1000u);
    EXPECT_EQ(driver.used(2).length, kNetHeaderSize + frame.size() - 2000);
    EXPECT_EQ(header_in(first).num_buffers, 3);
    auto const head = driver.bytes(first + kNetHeaderSize, 1000 - kNetHeaderSize);
    EXPECT_TRUE(std::equal(head.begin(), head.end(), frame.begin()));
    auto const middle = driver.bytes(second, 1000);
    EXPECT_TRUE(std::equal(middle.begin(), middle.end(), frame.begin() + 988));
    auto const tail = driver.bytes(third, frame.size() - 1988);
    EXPECT_TRUE(std::equal(tail.begin(), tail.end(), frame.begin() + 1988));
    EXPECT_EQ(buffers.held(), 0u);
}

TEST_F(RxFixture, MergeableHoldsChainsUntilEnoughArrive) {
    RxBuffers buffers(RxBuffers::Mode::Mergeable);
    uint64_t const first = add_buffer(1000, 0);
    auto const frame = pattern(1500);
    EXPECT_EQ(buffers.place(driver.queue(), {}, frame), RxBuffers::Outcome::NoBuffers);
    EXPECT_EQ(buffers.held(), 1u);
    EXPECT_EQ(driver.used_idx(), 0);
    add_buffer(1000, 1);
    ASSERT_EQ(buffers.place(driver.queue(), {}, frame), RxBuffers::Outcome::Placed);
    EXPECT_EQ(driver.used_idx(), 2);
    EXPECT_EQ(header_in(first).num_buffers, 2);
    EXPECT_EQ(driver.used(0).id, 0u); // the held chain went first
}

TEST_F(RxFixture, MergeableDropsAFrameTheWholeRingCannotHold) {
    RxBuffers buffers(RxBuffers::Mode::Mergeable);
    for (unsigned i = 0; i < kQueueSize; ++i)
        add_buffer(64, i);
    EXPECT_EQ(buffers.place(driver.queue(), {}, pattern(64 * kQueueSize)),
              RxBuffers::Outcome::Dropped);
    EXPECT_EQ(driver.used_idx(), 0);
    // The chains are still there for frames that fit.
    EXPECT_EQ(buffers.place(driver.queue(), {}, pattern(40)), RxBuffers::Outcome::Placed);
}

TEST_F(RxFixture, AChainTooSmallForTheHeaderGoesBackEmpty) {
    RxBuffers buffers(RxBuffers::Mode::Mergeable);
    add_buffer(8, 0);
    uint64_t const good = add_buffer(1526, 1);
    auto const frame = pattern(60);
    ASSERT_EQ(buffers.place(driver.queue(), {}, frame), RxBuffers::Outcome::Placed);
    ASSERT_EQ(driver.used_idx(), 2);
    EXPECT_EQ(driver.used(0).length, 0u);
    EXPECT_EQ(driver.used(1).length, kNetHeaderSize + frame.size());
    EXPECT_EQ(driver.bytes(good + kNetHeaderSize, frame.size()), frame);
}

TEST_F(RxFixture, AHeaderSplitOverDescriptorsIsWrittenWhole) {
    RxBuffers buffers(RxBuffers::Mode::Single);
    driver.add_chain({Buffer{kBuffers, 5, true}, Buffer{kBuffers + 0x1000, 2000, true}});
    auto const frame = pattern(300);
    NetHeader header;
    header.flags = net::kHeaderDataValid;
    ASSERT_EQ(buffers.place(driver.queue(), header, frame), RxBuffers::Outcome::Placed);
    auto raw = driver.bytes(kBuffers, 5);
    auto const rest = driver.bytes(kBuffers + 0x1000, kNetHeaderSize - 5 + frame.size());
    raw.insert(raw.end(), rest.begin(), rest.end());
    auto const parsed =
        NetHeader::parse(std::span<uint8_t const, kNetHeaderSize>(raw.data(), kNetHeaderSize));
    EXPECT_EQ(parsed.flags, net::kHeaderDataValid);
    EXPECT_EQ(parsed.num_buffers, 1);
    EXPECT_TRUE(std::equal(frame.begin(), frame.end(), raw.begin() + kNetHeaderSize));
}

TEST_F(RxFixture, ClearForgetsHeldChains) {
    RxBuffers buffers(RxBuffers::Mode::Mergeable);
    add_buffer(100, 0);
    EXPECT_EQ(buffers.place(driver.queue(), {}, pattern(1000)), RxBuffers::Outcome::NoBuffers);
    EXPECT_EQ(buffers.held(), 1u);
    buffers.clear();
    EXPECT_EQ(buffers.held(), 0u);
    EXPECT_EQ(driver.used_idx(), 0);
}

} // namespace
} // namespace vireo::virtio
