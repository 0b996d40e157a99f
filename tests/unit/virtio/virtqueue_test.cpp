#include <sys/eventfd.h>

#include <gtest/gtest.h>

#include "base/fd.h"
#include "test_driver.h"

namespace vireo::virtio {
namespace {

using test::Buffer;
using test::kBufferArea;
using test::TestDriver;

constexpr uint16_t kSize = 8;

class VirtqueueTest : public ::testing::Test {
protected:
    void SetUp() override {
        memory_->add_write_observer([this](uint64_t a, uint64_t l) { written_.push_back({a, l}); });
    }

    std::unique_ptr<Virtqueue> make_queue(uint64_t features = 0) {
        auto queue = Virtqueue::create(*memory_, driver_.layout(), features, owner_, kick_.get());
        EXPECT_TRUE(queue) << (queue ? "" : queue.error().message());
        return queue ? std::move(*queue) : nullptr;
    }

    // Pops once and expects the queue to report a broken rule naming `what`.
    void expect_broken(Virtqueue& queue, std::string const& what) {
        EXPECT_FALSE(queue.pop());
        EXPECT_TRUE(queue.broken());
        ASSERT_EQ(owner_.errors.size(), 1U);
        EXPECT_NE(owner_.errors[0].find(what), std::string::npos) << owner_.errors[0];
        EXPECT_FALSE(queue.pop()); // stays broken, reports once
        EXPECT_EQ(owner_.errors.size(), 1U);
    }

    std::unique_ptr<GuestMemory> memory_ = test::make_memory();
    TestDriver driver_{*memory_, kSize};
    test::RecordingOwner owner_;
    UniqueFd kick_{eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)};
    std::vector<std::pair<uint64_t, uint64_t>> written_;
};

TEST_F(VirtqueueTest, EmptyQueuePopsNothing) {
    auto queue = make_queue();
    EXPECT_FALSE(queue->pop());
    EXPECT_FALSE(queue->broken());
}

TEST_F(VirtqueueTest, ChainSplitsIntoReadableAndWritableHostSpans) {
    auto queue = make_queue();
    driver_.fill(kBufferArea, 0xab, 16);
    driver_.add_chain({{kBufferArea, 16, false},
                       {kBufferArea + 0x100, 8, true},
                       {kBufferArea + 0x200, 24, true}});
    auto chain = queue->pop();
    ASSERT_TRUE(chain);
    EXPECT_EQ(chain->head(), 0);
    ASSERT_EQ(chain->readable().size(), 1U);
    ASSERT_EQ(chain->writable().size(), 2U);
    EXPECT_EQ(chain->readable()[0].guest_address, kBufferArea);
    EXPECT_EQ(chain->readable()[0].host.data(), memory_->host_pointer(kBufferArea, 16));
    EXPECT_EQ(chain->readable_bytes(), 16U);
    EXPECT_EQ(chain->writable_bytes(), 32U);
    EXPECT_EQ(chain->readable()[0].host[5], 0xab);
    EXPECT_FALSE(queue->pop());
}

TEST_F(VirtqueueTest, ChainReadAndWriteCrossSegments) {
    auto queue = make_queue();
    driver_.fill(kBufferArea, 1, 4);
    driver_.fill(kBufferArea + 0x100, 2, 4);
    driver_.add_chain({{kBufferArea, 4, false},
                       {kBufferArea + 0x100, 4, false},
                       {kBufferArea + 0x200, 3, true},
                       {kBufferArea + 0x300, 3, true}});
    auto chain = queue->pop();
    ASSERT_TRUE(chain);
    uint8_t in[6] = {};
    EXPECT_EQ(chain->read(2, in), 6U);
    EXPECT_EQ(std::vector<uint8_t>(in, in + 6), (std::vector<uint8_t>{1, 1, 2, 2, 2, 2}));
    uint8_t const out[5] = {9, 8, 7, 6, 5};
    EXPECT_EQ(chain->write(1, out), 5U);
    EXPECT_EQ(driver_.bytes(kBufferArea + 0x200, 3), (std::vector<uint8_t>{0, 9, 8}));
    EXPECT_EQ(driver_.bytes(kBufferArea + 0x300, 3), (std::vector<uint8_t>{7, 6, 5}));
    EXPECT_EQ(chain->write(5, out), 1U); // only one byte of room left
}

TEST_F(VirtqueueTest, PushUsedPublishesTheElementAndReportsTheWrittenBytes) {
    auto queue = make_queue();
    driver_.add_chain({{kBufferArea, 16, false},
                       {kBufferArea + 0x100, 8, true},
                       {kBufferArea + 0x200, 24, true}});
    auto chain = queue->pop();
    ASSERT_TRUE(chain);
    written_.clear();
    queue->push_used(*chain, 12);
    EXPECT_EQ(driver_.used_idx(), 1);
    EXPECT_EQ(driver_.used(0).id, 0U);
    EXPECT_EQ(driver_.used(0).length, 12U);
    // The first 12 writable bytes: all of the first buffer, 4 of the second.
    ASSERT_GE(written_.size(), 2U);
    EXPECT_EQ(written_[0], std::make_pair(kBufferArea + 0x100, uint64_t{8}));
    EXPECT_EQ(written_[1], std::make_pair(kBufferArea + 0x200, uint64_t{4}));
}

TEST_F(VirtqueueTest, PushUsedNeverClaimsMoreThanTheWritableBytes) {
    auto queue = make_queue();
    driver_.add_chain({{kBufferArea, 8, true}});
    auto chain = queue->pop();
    ASSERT_TRUE(chain);
    queue->push_used(*chain, 1000);
    EXPECT_EQ(driver_.used(0).length, 8U);
}

TEST_F(VirtqueueTest, InterruptUnlessTheDriverSetsNoInterrupt) {
    auto queue = make_queue();
    driver_.add_chain({{kBufferArea, 8, true}});
    queue->push_used(*queue->pop(), 8);
    queue->notify_if_needed();
    EXPECT_EQ(owner_.interrupts.size(), 1U);
    queue->notify_if_needed(); // nothing new used: no second interrupt
    EXPECT_EQ(owner_.interrupts.size(), 1U);
    driver_.set_avail_flags(kAvailNoInterrupt);
    driver_.add_chain({{kBufferArea, 8, true}}, 2);
    queue->push_used(*queue->pop(), 8);
    queue->notify_if_needed();
    EXPECT_EQ(owner_.interrupts.size(), 1U);
}

TEST_F(VirtqueueTest, EventIdxInterruptsWhenUsedIdxPassesUsedEvent) {
    auto queue = make_queue(kFeatureEventIdx);
    driver_.set_avail_flags(kAvailNoInterrupt); // ignored with EVENT_IDX (virtio 1.2 2.7.7)
    driver_.set_used_event(1);                  // interrupt once the second buffer is used
    for (uint16_t i = 0; i < 3; ++i)
        driver_.add_chain({{kBufferArea + i * 0x100, 8, true}}, static_cast<uint16_t>(i * 2));
    queue->push_used(*queue->pop(), 8);
    queue->notify_if_needed();
    EXPECT_TRUE(owner_.interrupts.empty());
    queue->push_used(*queue->pop(), 8);
    queue->notify_if_needed();
    EXPECT_EQ(owner_.interrupts.size(), 1U);
    queue->push_used(*queue->pop(), 8);
    queue->notify_if_needed();
    EXPECT_EQ(owner_.interrupts.size(), 1U); // used_event is behind: no more
}

TEST_F(VirtqueueTest, EventIdxBatchCrossingUsedEventInterruptsOnce) {
    auto queue = make_queue(kFeatureEventIdx);
    driver_.set_used_event(0);
    for (uint16_t i = 0; i < 3; ++i)
        driver_.add_chain({{kBufferArea, 8, true}}, static_cast<uint16_t>(i * 2));
    for (int i = 0; i < 3; ++i)
        queue->push_used(*queue->pop(), 8);
    queue->notify_if_needed();
    EXPECT_EQ(owner_.interrupts.size(), 1U);
}

TEST_F(VirtqueueTest, EventIdxAsksForTheNextEntryWhenEmpty) {
    auto queue = make_queue(kFeatureEventIdx);
    driver_.add_chain({{kBufferArea, 8, true}});
    driver_.add_chain({{kBufferArea, 8, true}}, 2);
    EXPECT_TRUE(queue->pop());
    EXPECT_TRUE(queue->pop());
    EXPECT_FALSE(queue->pop());
    EXPECT_EQ(driver_.avail_event(), 2);
}

TEST_F(VirtqueueTest, IndirectTableIsFollowed) {
    auto queue = make_queue(kFeatureIndirectDesc);
    uint64_t const table = kBufferArea + 0x1000;
    driver_.add_indirect(
        {{kBufferArea, 4, false}, {kBufferArea + 0x100, 4, true}, {kBufferArea + 0x200, 4, true}},
        table);
    auto chain = queue->pop();
    ASSERT_TRUE(chain);
    EXPECT_EQ(chain->readable().size(), 1U);
    EXPECT_EQ(chain->writable().size(), 2U);
    EXPECT_EQ(chain->writable()[1].guest_address, kBufferArea + 0x200);
}

TEST_F(VirtqueueTest, DirectDescriptorsMayEndInAnIndirectOne) {
    // virtio 1.2 2.7.5.3.2: zero or more chained descriptors, then one indirect descriptor.
    auto queue = make_queue(kFeatureIndirectDesc);
    uint64_t const table = kBufferArea + 0x1000;
    driver_.set_descriptor(0, table, 16, 0, 0, table); // placeholder, rewritten below
    driver_.set_descriptor(0, kBufferArea, 4, 0, 0, table);
    driver_.set_descriptor(5, kBufferArea + 0x100, 4, kDescNext, 6);
    driver_.set_descriptor(6, table, 16, kDescIndirect | kDescWrite, 0);
    driver_.make_available(5);
    auto chain = queue->pop();
    ASSERT_TRUE(chain);
    EXPECT_EQ(chain->head(), 5);
    EXPECT_EQ(chain->readable().size(), 2U);
    EXPECT_EQ(chain->readable()[1].guest_address, kBufferArea);
}

TEST_F(VirtqueueTest, ZeroLengthBuffersAreSkipped) {
    auto queue = make_queue();
    driver_.add_chain(
        {{kBufferArea, 0, false}, {0xffff'ffff'0000, 0, true}, {kBufferArea, 4, true}});
    auto chain = queue->pop();
    ASSERT_TRUE(chain);
    EXPECT_TRUE(chain->readable().empty());
    EXPECT_EQ(chain->writable().size(), 1U);
}

TEST_F(VirtqueueTest, LayoutMustBeAlignedPowerOfTwoInsideRam) {
    auto layout = driver_.layout();
    layout.size = 6;
    EXPECT_FALSE(Virtqueue::create(*memory_, layout, 0, owner_, kick_.get()));
    layout = driver_.layout();
    layout.desc += 8; // descriptor tables are 16-byte aligned
    EXPECT_FALSE(Virtqueue::create(*memory_, layout, 0, owner_, kick_.get()));
    layout = driver_.layout();
    layout.device += 2; // used rings are 4-byte aligned
    EXPECT_FALSE(Virtqueue::create(*memory_, layout, 0, owner_, kick_.get()));
    layout = driver_.layout();
    layout.driver = test::kRamBytes - 8; // the ring runs off the end of RAM
    EXPECT_FALSE(Virtqueue::create(*memory_, layout, 0, owner_, kick_.get()));
    layout = driver_.layout();
    layout.desc = 0xffff'ffff'ffff'fff0; // wraps around
    EXPECT_FALSE(Virtqueue::create(*memory_, layout, 0, owner_, kick_.get()));
}

TEST_F(VirtqueueTest, HeadOutsideTheTableBreaksTheQueue) {
    auto queue = make_queue();
    driver_.make_available(kSize);
    expect_broken(*queue, "head descriptor");
}

TEST_F(VirtqueueTest, NextOutsideTheTableBreaksTheQueue) {
    auto queue = make_queue();
    driver_.set_descriptor(0, kBufferArea, 4, kDescNext, 200);
    driver_.make_available(0);
    expect_broken(*queue, "next index");
}

TEST_F(VirtqueueTest, LoopInAChainBreaksTheQueue) {
    auto queue = make_queue();
    driver_.set_descriptor(0, kBufferArea, 4, kDescNext, 1);
    driver_.set_descriptor(1, kBufferArea, 4, kDescNext, 0);
    driver_.make_available(0);
    expect_broken(*queue, "loops");
}

TEST_F(VirtqueueTest, LoopInAnIndirectTableBreaksTheQueue) {
    auto queue = make_queue(kFeatureIndirectDesc);
    uint64_t const table = kBufferArea + 0x1000;
    driver_.set_descriptor(0, kBufferArea, 4, kDescNext, 1, table);
    driver_.set_descriptor(1, kBufferArea, 4, kDescNext, 0, table);
    driver_.set_descriptor(0, table, 32, kDescIndirect, 0);
    driver_.make_available(0);
    expect_broken(*queue, "loops");
}

TEST_F(VirtqueueTest, BufferOutsideRamBreaksTheQueue) {
    auto queue = make_queue();
    driver_.add_chain({{test::kRamBytes - 4, 8, true}});
    expect_broken(*queue, "not guest RAM");
}

TEST_F(VirtqueueTest, BufferThatWrapsTheAddressSpaceBreaksTheQueue) {
    auto queue = make_queue();
    driver_.add_chain({{0xffff'ffff'ffff'fff0, 0x20, false}});
    expect_broken(*queue, "not guest RAM");
}

TEST_F(VirtqueueTest, ReadableAfterWritableBreaksTheQueue) {
    auto queue = make_queue();
    driver_.add_chain({{kBufferArea, 4, true}, {kBufferArea, 4, false}});
    expect_broken(*queue, "device-readable buffer follows");
}

TEST_F(VirtqueueTest, IndirectWithoutTheFeatureBreaksTheQueue) {
    auto queue = make_queue();
    driver_.add_indirect({{kBufferArea, 4, true}}, kBufferArea + 0x1000);
    expect_broken(*queue, "not negotiated");
}

TEST_F(VirtqueueTest, IndirectWithNextBreaksTheQueue) {
    auto queue = make_queue(kFeatureIndirectDesc);
    driver_.set_descriptor(0, kBufferArea + 0x1000, 16, kDescIndirect | kDescNext, 1);
    driver_.make_available(0);
    expect_broken(*queue, "INDIRECT and NEXT");
}

TEST_F(VirtqueueTest, NestedIndirectBreaksTheQueue) {
    auto queue = make_queue(kFeatureIndirectDesc);
    uint64_t const table = kBufferArea + 0x1000;
    driver_.set_descriptor(0, table, 16, kDescIndirect, 0, table); // refers to itself
    driver_.set_descriptor(0, table, 16, kDescIndirect, 0);
    driver_.make_available(0);
    expect_broken(*queue, "another indirect table");
}

TEST_F(VirtqueueTest, IndirectTableOfOddLengthBreaksTheQueue) {
    auto queue = make_queue(kFeatureIndirectDesc);
    driver_.set_descriptor(0, kBufferArea + 0x1000, 24, kDescIndirect, 0);
    driver_.make_available(0);
    expect_broken(*queue, "multiple of 16");
}

TEST_F(VirtqueueTest, IndirectTableOutsideRamBreaksTheQueue) {
    auto queue = make_queue(kFeatureIndirectDesc);
    driver_.set_descriptor(0, test::kRamBytes - 16, 32, kDescIndirect, 0);
    driver_.make_available(0);
    expect_broken(*queue, "indirect table");
}

TEST_F(VirtqueueTest, AvailIdxRunningAheadBreaksTheQueue) {
    auto queue = make_queue();
    driver_.set_avail_idx(kSize + 1);
    expect_broken(*queue, "more than the 8 entries");
}

TEST_F(VirtqueueTest, ChainOfMoreThan4GiBBreaksTheQueue) {
    // 2049 descriptors of 2 MiB each, all of RAM, through one indirect table.
    auto queue = make_queue(kFeatureIndirectDesc);
    constexpr uint16_t kEntries = 2049;
    uint64_t const table = 0;
    std::vector<Buffer> buffers(kEntries, Buffer{0, static_cast<uint32_t>(test::kRamBytes), true});
    driver_.add_indirect(buffers, table);
    expect_broken(*queue, "4 GiB");
}

TEST_F(VirtqueueTest, BrokenQueueIgnoresPushAndNotify) {
    auto queue = make_queue();
    driver_.add_chain({{kBufferArea, 8, true}});
    auto chain = queue->pop();
    ASSERT_TRUE(chain);
    driver_.set_avail_idx(100);
    EXPECT_FALSE(queue->pop());
    queue->push_used(*chain, 8);
    queue->notify_if_needed();
    EXPECT_EQ(driver_.used_idx(), 0);
    EXPECT_TRUE(owner_.interrupts.empty());
}

TEST_F(VirtqueueTest, HasAvailableUntilEveryChainIsPopped) {
    auto queue = make_queue();
    EXPECT_FALSE(queue->has_available());
    driver_.add_chain({{kBufferArea, 8, true}});
    driver_.add_chain({{kBufferArea + 0x100, 8, true}}, 1);
    EXPECT_TRUE(queue->has_available());
    ASSERT_TRUE(queue->pop());
    EXPECT_TRUE(queue->has_available());
    ASSERT_TRUE(queue->pop());
    EXPECT_FALSE(queue->has_available());
    driver_.set_avail_idx(100); // breaks the queue at the next pop
    EXPECT_FALSE(queue->pop());
    EXPECT_FALSE(queue->has_available());
}

TEST_F(VirtqueueTest, KickFdIsConsumed) {
    auto queue = make_queue();
    EXPECT_FALSE(queue->consume_kick());
    uint64_t const one = 1;
    ASSERT_EQ(::write(kick_.get(), &one, sizeof(one)), 8);
    EXPECT_TRUE(queue->consume_kick());
    EXPECT_FALSE(queue->consume_kick());
}

} // namespace
} // namespace vireo::virtio
