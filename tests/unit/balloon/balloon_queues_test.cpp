#include <chrono>
#include <thread>

#include "balloon_fixture.h"

namespace vireo::virtio {
namespace {

using namespace balloon;
using namespace std::chrono_literals;
using test::kPages;

class BalloonQueuesTest : public test::BalloonFixture {
protected:
    // A statsq buffer of (tag, value) entries, published as one device-readable buffer.
    void add_stats(std::vector<std::pair<uint16_t, uint64_t>> const& entries) {
        std::vector<uint8_t> bytes;
        for (auto const& [tag, value] : entries) {
            uint8_t entry[kStatEntrySize];
            std::memcpy(entry, &tag, 2);
            std::memcpy(entry + 2, &value, 8);
            bytes.insert(bytes.end(), entry, entry + kStatEntrySize);
        }
        write(test::kBufferArea, bytes.data(), bytes.size());
        driver_.add_chain({{test::kBufferArea, static_cast<uint32_t>(bytes.size()), false}},
                          next_descriptor_);
        next_descriptor_ = static_cast<uint16_t>(next_descriptor_ + 1);
    }
};

TEST_F(BalloonQueuesTest, InflatedPagesGoBackToTheHost) {
    activate(kFeatureStatsVq, 0); // inflateq
    fill(kPages, 8 * kPageSize, 0x5a);
    uint64_t const backed = backed_bytes();
    // Four adjacent pages, one apart, and one PFN far outside the 4 MiB of RAM.
    add_pfns(
        {pfn(kPages), pfn(kPages) + 1, pfn(kPages) + 2, pfn(kPages) + 5, 0xfffff, pfn(kPages) + 3});
    balloon_->process();
    // Measured before reading the pages: a read of a released shmem page backs it again.
    EXPECT_EQ(backed_bytes(), backed - 5 * kPageSize);

    ASSERT_EQ(driver_.used_idx(), 1);
    EXPECT_EQ(driver_.used(0).length, 0U);
    for (uint64_t page : {0, 1, 2, 3, 5})
        EXPECT_EQ(byte_at(kPages + page * kPageSize + 7), 0) << "page " << page;
    EXPECT_EQ(byte_at(kPages + 4 * kPageSize), 0x5a);
    EXPECT_EQ(byte_at(kPages + 6 * kPageSize), 0x5a);
    EXPECT_EQ(balloon_->status().inflated_pages, 5U);
    EXPECT_TRUE(owner_.errors.empty());
}

TEST_F(BalloonQueuesTest, DeflateOnlyCounts) {
    activate(kFeatureStatsVq, 0, {1}); // one ring stands in for inflateq and deflateq
    add_pfns({pfn(kPages), pfn(kPages) + 1, pfn(kPages) + 2});
    balloon_->serve(QueueRole::Inflate);
    fill(kPages, kPageSize, 0x33); // the guest may touch a page before deflating it
    add_pfns({pfn(kPages), 0xfffff}, test::kBufferArea + 0x100);
    balloon_->serve(QueueRole::Deflate);
    EXPECT_EQ(driver_.used_idx(), 2);
    EXPECT_EQ(byte_at(kPages), 0x33);
    EXPECT_EQ(balloon_->status().inflated_pages, 2U);
    // More deflated than inflated (a confused driver) stops at zero.
    add_pfns({pfn(kPages), pfn(kPages) + 1, pfn(kPages) + 2}, test::kBufferArea + 0x200);
    balloon_->serve(QueueRole::Deflate);
    EXPECT_EQ(balloon_->status().inflated_pages, 0U);
}

TEST_F(BalloonQueuesTest, PartialPfnAndWritableBuffersAreHarmless) {
    activate(kFeatureStatsVq, 0);
    fill(kPages, 2 * kPageSize, 0x44);
    uint32_t const pfns[2] = {pfn(kPages), pfn(kPages) + 1};
    write(test::kBufferArea, pfns, sizeof(pfns));
    // Six readable bytes: one PFN and half of another.
    driver_.add_chain({{test::kBufferArea, 6, false}, {test::kBufferArea + 0x80, 16, true}});
    balloon_->process();
    EXPECT_EQ(driver_.used_idx(), 1);
    EXPECT_EQ(driver_.used(0).length, 0U);
    EXPECT_EQ(byte_at(kPages), 0);
    EXPECT_EQ(byte_at(kPages + kPageSize), 0x44);
    EXPECT_EQ(balloon_->status().inflated_pages, 1U);
}

TEST_F(BalloonQueuesTest, StatisticsBufferIsKeptUntilFreshOnesAreWanted) {
    activate(kFeatureStatsVq, 2); // statsq
    EXPECT_EQ(balloon_->status().stats_updates, 0U);
    EXPECT_FALSE(balloon_->status().stats_age);
    add_stats({{4, 100 << 20}, {6, 200 << 20}});
    balloon_->process();
    EXPECT_EQ(driver_.used_idx(), 0); // held by the device
    auto status = balloon_->status();
    EXPECT_EQ(status.stats_updates, 1U);
    EXPECT_EQ(status.stats.get(StatTag::FreeMemory), 100U << 20);
    EXPECT_EQ(status.stats.get(StatTag::AvailableMemory), 200U << 20);
    EXPECT_TRUE(status.stats_age);

    // Asking for fresh statistics returns the buffer; none come within no time.
    status = balloon_->status_with_fresh_stats(0ms);
    EXPECT_EQ(driver_.used_idx(), 1);
    EXPECT_EQ(driver_.used(0).id, 0U);
    EXPECT_EQ(status.stats_updates, 1U);
    // Without a buffer to return there is nothing to ask with.
    balloon_->status_with_fresh_stats(0ms);
    EXPECT_EQ(driver_.used_idx(), 1);
}

TEST_F(BalloonQueuesTest, WaitingForStatisticsEndsWhenTheDriverAnswers) {
    activate(kFeatureStatsVq, 2);
    add_stats({{4, 1}});
    balloon_->process();
    BalloonStatus fresh;
    std::thread asker([&] { fresh = balloon_->status_with_fresh_stats(10s); });
    // The driver: once the buffer came back, refill it and make it available again.
    auto const started = std::chrono::steady_clock::now();
    while (driver_.used_idx() == 0 && std::chrono::steady_clock::now() - started < 5s)
        std::this_thread::sleep_for(1ms);
    add_stats({{4, 2}, {5, 3}});
    balloon_->process();
    asker.join();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    EXPECT_EQ(fresh.stats_updates, 2U);
    EXPECT_EQ(fresh.stats.get(StatTag::FreeMemory), 2U);
    EXPECT_EQ(fresh.stats.get(StatTag::TotalMemory), 3U);
}

TEST_F(BalloonQueuesTest, StoppingEndsWaitsForStatistics) {
    activate(kFeatureStatsVq, 2);
    add_stats({{4, 1}});
    balloon_->process();
    auto const started = std::chrono::steady_clock::now();
    std::thread asker([&] { balloon_->status_with_fresh_stats(10s); });
    // Once the buffer went back the asker waits; the driver never answers.
    while (driver_.used_idx() == 0 && std::chrono::steady_clock::now() - started < 5s)
        std::this_thread::sleep_for(1ms);
    balloon_->stop_waiting();
    asker.join();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    // Later waits return at once.
    add_stats({{4, 2}});
    balloon_->process();
    auto const again = std::chrono::steady_clock::now();
    balloon_->status_with_fresh_stats(10s);
    EXPECT_LT(std::chrono::steady_clock::now() - again, 5s);
}

TEST_F(BalloonQueuesTest, SecondStatisticsBufferReturnsTheFirst) {
    activate(kFeatureStatsVq, 2);
    add_stats({{4, 1}});
    add_stats({{4, 2}});
    balloon_->process();
    EXPECT_EQ(driver_.used_idx(), 1);
    EXPECT_EQ(driver_.used(0).id, 0U);
    EXPECT_EQ(balloon_->status().stats.get(StatTag::FreeMemory), 2U);
}

TEST_F(BalloonQueuesTest, ReportedFreeRangesGoBackToTheHost) {
    activate(kFeatureStatsVq | kFeaturePageReporting, 3); // reporting_vq after statsq
    fill(kPages, 32 * kPageSize, 0x77);
    uint64_t const backed = backed_bytes();
    // Linux reports free blocks as device-writable buffers; a range that is not whole
    // pages is left alone.
    driver_.add_chain({{kPages, static_cast<uint32_t>(16 * kPageSize), true},
                       {kPages + 20 * kPageSize + 100, static_cast<uint32_t>(kPageSize), true}});
    balloon_->process();
    EXPECT_EQ(backed_bytes(), backed - 16 * kPageSize);
    ASSERT_EQ(driver_.used_idx(), 1);
    EXPECT_EQ(driver_.used(0).length, 0U);
    EXPECT_EQ(byte_at(kPages), 0);
    EXPECT_EQ(byte_at(kPages + 16 * kPageSize - 1), 0);
    EXPECT_EQ(byte_at(kPages + 16 * kPageSize), 0x77);
    EXPECT_EQ(byte_at(kPages + 20 * kPageSize + 100), 0x77);
    auto const status = balloon_->status();
    EXPECT_EQ(status.reported_bytes, 16 * kPageSize);
    EXPECT_EQ(status.inflated_pages, 0U); // reporting is not inflating
}

TEST_F(BalloonQueuesTest, ReportingQueueMovesDownWithoutStatistics) {
    activate(kFeaturePageReporting, 2); // no statsq: reporting_vq takes index 2
    fill(kPages, kPageSize, 0x66);
    driver_.add_chain({{kPages, static_cast<uint32_t>(kPageSize), true}});
    balloon_->process();
    EXPECT_EQ(driver_.used_idx(), 1);
    EXPECT_EQ(byte_at(kPages), 0);
    EXPECT_EQ(balloon_->status().reported_bytes, kPageSize);
    EXPECT_EQ(balloon_->status().stats_updates, 0U);
}

} // namespace
} // namespace vireo::virtio
