#include <cstring>
#include <vector>

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "devices/virtio/balloon/balloon_stats.h"
#include "devices/virtio/balloon/page_release.h"
#include "memory/guest_memory.h"

namespace vireo::virtio::balloon {
namespace {

constexpr uint64_t kRam = 4 * 1024 * 1024;
constexpr uint64_t kBase = 0x100000;

struct Written {
    uint64_t address;
    uint64_t length;
    bool operator==(Written const&) const = default;
};

class PageReleaseTest : public ::testing::Test {
protected:
    void SetUp() override {
        memory_->add_write_observer([this](uint64_t a, uint64_t l) { written_.push_back({a, l}); });
    }

    // Bytes of host memory the memfd holds.
    uint64_t backed_bytes() const {
        struct stat info {};
        EXPECT_EQ(fstat(memory_->memfd(), &info), 0);
        return static_cast<uint64_t>(info.st_blocks) * 512;
    }

    void fill(uint64_t address, uint64_t length, uint8_t value) {
        std::vector<uint8_t> bytes(length, value);
        ASSERT_TRUE(memory_->write(address, bytes));
        written_.clear();
    }

    uint8_t byte_at(uint64_t address) const { return *memory_->read_object<uint8_t>(address); }

    std::unique_ptr<GuestMemory> memory_ = *GuestMemory::create(kRam);
    std::vector<Written> written_;
};

TEST_F(PageReleaseTest, ReleasedRangeReadsZeroAndLeavesTheHost) {
    fill(kBase, 16 * kPageSize, 0xa5);
    uint64_t const before = backed_bytes();
    ASSERT_TRUE(release_guest_range(*memory_, kBase + kPageSize, 8 * kPageSize));
    EXPECT_EQ(backed_bytes(), before - 8 * kPageSize);
    EXPECT_EQ(byte_at(kBase), 0xa5);
    EXPECT_EQ(byte_at(kBase + kPageSize), 0);
    EXPECT_EQ(byte_at(kBase + 9 * kPageSize - 1), 0);
    EXPECT_EQ(byte_at(kBase + 9 * kPageSize), 0xa5);
    EXPECT_EQ(written_, (std::vector<Written>{{kBase + kPageSize, 8 * kPageSize}}));
}

TEST_F(PageReleaseTest, RefusesPartialPagesAndRangesOutsideRam) {
    fill(kBase, 2 * kPageSize, 0x11);
    EXPECT_FALSE(release_guest_range(*memory_, kBase + 1, kPageSize));
    EXPECT_FALSE(release_guest_range(*memory_, kBase, kPageSize + 512));
    EXPECT_FALSE(release_guest_range(*memory_, kRam, kPageSize));
    EXPECT_FALSE(release_guest_range(*memory_, kRam - kPageSize, 2 * kPageSize));
    // A length that wraps the address space must not pass the range check.
    EXPECT_FALSE(release_guest_range(*memory_, kBase, ~uint64_t{0} - kPageSize + 1));
    EXPECT_EQ(byte_at(kBase), 0x11);
    EXPECT_TRUE(written_.empty());
}

TEST_F(PageReleaseTest, ReleaserJoinsAdjacentPagesIntoOneRun) {
    fill(kBase, 8 * kPageSize, 0x22);
    PageReleaser releaser(*memory_);
    for (uint64_t page : {0, 1, 2, 5, 6})
        EXPECT_TRUE(releaser.add(kBase + page * kPageSize));
    EXPECT_FALSE(releaser.add(kRam));                      // not RAM
    EXPECT_FALSE(releaser.add(kBase + 3 * kPageSize + 8)); // not a page boundary
    ASSERT_TRUE(releaser.finish());
    EXPECT_EQ(written_, (std::vector<Written>{{kBase, 3 * kPageSize},
                                              {kBase + 5 * kPageSize, 2 * kPageSize}}));
    EXPECT_EQ(releaser.released_bytes(), 5 * kPageSize);
    EXPECT_EQ(byte_at(kBase + 3 * kPageSize), 0x22);
    EXPECT_EQ(byte_at(kBase + 6 * kPageSize), 0);
}

// struct virtio_balloon_stat entries: le16 tag, le64 value, packed.
std::vector<uint8_t> stat_entry(uint16_t tag, uint64_t value) {
    std::vector<uint8_t> entry(kStatEntrySize);
    std::memcpy(entry.data(), &tag, 2);
    std::memcpy(entry.data() + 2, &value, 8);
    return entry;
}

TEST(BalloonStatsTest, ReadsKnownTagsInAnyOrder) {
    std::vector<uint8_t> buffer;
    for (auto const& entry : {stat_entry(6, 300), stat_entry(4, 100), stat_entry(42, 7),
                              stat_entry(5, 500), stat_entry(4, 150)})
        buffer.insert(buffer.end(), entry.begin(), entry.end());
    buffer.push_back(0x07); // a partial entry at the end
    auto const stats = parse_stats(buffer);
    EXPECT_EQ(stats.get(StatTag::AvailableMemory), 300U);
    EXPECT_EQ(stats.get(StatTag::FreeMemory), 150U); // the later entry wins
    EXPECT_EQ(stats.get(StatTag::TotalMemory), 500U);
    EXPECT_FALSE(stats.get(StatTag::SwapIn));
    EXPECT_FALSE(stats.get(StatTag::DiskCaches));
}

TEST(BalloonStatsTest, EmptyOrShortBufferHasNoStatistics) {
    EXPECT_FALSE(parse_stats({}).get(StatTag::SwapIn));
    std::vector<uint8_t> const short_entry(kStatEntrySize - 1, 0);
    EXPECT_FALSE(parse_stats(short_entry).get(StatTag::SwapIn));
}

} // namespace
} // namespace vireo::virtio::balloon
