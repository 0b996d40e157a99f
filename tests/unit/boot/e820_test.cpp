#include <gtest/gtest.h>

#include "base/units.h"
#include "boot/loader.h"
#include "memory/guest_memory.h"

namespace vireo::boot {
namespace {

std::unique_ptr<GuestMemory> make_memory(uint64_t size) {
    auto memory = GuestMemory::create(size);
    EXPECT_TRUE(memory) << memory.error().message();
    return memory ? std::move(*memory) : nullptr;
}

TEST(E820, SmallGuestHasLowRamHoleAndRamAboveOneMegabyte) {
    auto memory = make_memory(64 * MiB);
    ASSERT_TRUE(memory);
    std::vector<E820Entry> const expected = {
        {0, 0x9fc00, kE820Ram},
        {0x9fc00, 0x100000 - 0x9fc00, kE820Reserved}, // EBDA, VGA window, BIOS and ACPI area
        {0x100000, 64 * MiB - 0x100000, kE820Ram},
        {0xe0000000, 0x10000000, kE820Reserved}, // PCIe ECAM
    };
    EXPECT_EQ(build_e820(*memory), expected);
}

TEST(E820, LargeGuestContinuesAboveFourGigabytes) {
    // 4 GiB of RAM: 3 GiB below the MMIO hole, the last GiB from 4 GiB on. The memfd is
    // sparse, so this costs nothing.
    auto memory = make_memory(4 * GiB);
    ASSERT_TRUE(memory);
    auto const map = build_e820(*memory);
    ASSERT_EQ(map.size(), 5U);
    EXPECT_EQ(map[2], (E820Entry{0x100000, 3 * GiB - 0x100000, kE820Ram}));
    EXPECT_EQ(map[4], (E820Entry{4 * GiB, 1 * GiB, kE820Ram}));
}

TEST(E820, EntriesAreSortedAndDisjoint) {
    auto memory = make_memory(5 * GiB);
    ASSERT_TRUE(memory);
    auto const map = build_e820(*memory);
    uint64_t ram = 0;
    for (size_t i = 0; i < map.size(); ++i) {
        EXPECT_GT(map[i].size, 0U);
        if (i > 0) {
            EXPECT_LE(map[i - 1].end(), map[i].address);
        }
        if (map[i].type == kE820Ram)
            ram += map[i].size;
    }
    // All RAM except the reserved low area is usable.
    EXPECT_EQ(ram, 5 * GiB - (0x100000 - 0x9fc00));
}

} // namespace
} // namespace vireo::boot
