#include <gtest/gtest.h>

#include "devices/pci/config_space.h"
#include "devices/pci/host_bridge.h"
#include "pci_fakes.h"

namespace vireo::pci {
namespace {

using test::TestFunction;

uint32_t read32(PciDevice& device, uint16_t offset) {
    uint8_t bytes[4] = {};
    device.config_read(offset, bytes);
    return load_le(bytes);
}

void write32(PciDevice& device, uint16_t offset, uint32_t value) {
    uint8_t bytes[4] = {};
    store_le(bytes, value);
    device.config_write(offset, bytes);
}

TEST(ConfigSpaceTest, WritesChangeOnlyWritableBitsAndClearWriteOneBits) {
    ConfigSpace space;
    space.set16(0x10, 0xa5f0);
    space.set_writable(0x10, 2, 0x000f);
    space.set_write_clear(0x10, 2, 0x8000);
    uint8_t const value[2] = {0xff, 0x00}; // 0x00ff: low nibble writable, bit 15 not written
    space.write(0x10, value);
    EXPECT_EQ(space.get16(0x10), 0xa5ffU);
    uint8_t const clear[2] = {0x00, 0xff}; // writes ones over bits 8-15: only bit 15 clears
    space.write(0x10, clear);
    EXPECT_EQ(space.get16(0x10), 0x25f0U);
}

TEST(ConfigSpaceTest, AccessesPastTheEndReadZeroAndAreDropped) {
    ConfigSpace space;
    space.set8(kConfigSpaceSize - 1, 0x12);
    space.set_writable(kConfigSpaceSize - 1, 1, 0xff);
    uint8_t bytes[4] = {0xaa, 0xaa, 0xaa, 0xaa};
    space.read(kConfigSpaceSize - 1, bytes);
    EXPECT_EQ(bytes[0], 0x12);
    EXPECT_EQ(bytes[1], 0x00);
    uint8_t const ones[4] = {0x34, 0xff, 0xff, 0xff};
    space.write(kConfigSpaceSize - 1, ones);
    EXPECT_EQ(space.get8(kConfigSpaceSize - 1), 0x34);
}

TEST(PciDeviceTest, HeaderCarriesIdentity) {
    TestFunction function;
    EXPECT_EQ(read32(function, kVendorId), 0x56781234U);
    EXPECT_EQ(read32(function, kRevisionId), (kClassOther << 8) | 7U);
    EXPECT_EQ(read32(function, kSubsystemVendorId), 0x11001af4U);
    EXPECT_EQ(read32(function, kHeaderType) & 0xff, kHeaderTypeNormal);
    // IDs are read-only.
    write32(function, kVendorId, 0);
    EXPECT_EQ(read32(function, kVendorId), 0x56781234U);
}

TEST(PciDeviceTest, HostBridgeIsClassHostBridgeWithoutBars) {
    HostBridge bridge;
    EXPECT_EQ(read32(bridge, kRevisionId) >> 8, kClassHostBridge);
    EXPECT_TRUE(bridge.bars().empty());
    write32(bridge, kBar0, 0xffffffff);
    EXPECT_EQ(read32(bridge, kBar0), 0U);
}

TEST(PciDeviceTest, Bar32SizingReadsBackTheSizeMask) {
    TestFunction function;
    write32(function, kBar0, 0xffffffff);
    uint32_t const mask = read32(function, kBar0);
    EXPECT_EQ(mask, ~uint32_t{TestFunction::kBar0Size - 1}); // memory, 32-bit, not prefetchable
    EXPECT_EQ(~(mask & ~kBarMemoryFlagsMask) + 1, TestFunction::kBar0Size);
    write32(function, kBar0, 0xc0001000);
    EXPECT_EQ(read32(function, kBar0), 0xc0001000U);
    write32(function, kBar0, 0xc0001234); // the low bits below the size are not writable
    EXPECT_EQ(read32(function, kBar0), 0xc0001000U);
}

TEST(PciDeviceTest, Bar64SizingCoversBothHalves) {
    TestFunction function;
    uint16_t const low = kBar0 + 2 * kBarSize;
    write32(function, low, 0xffffffff);
    write32(function, low + kBarSize, 0xffffffff);
    uint32_t const mask_low = read32(function, low);
    EXPECT_EQ(mask_low & kBarMemoryFlagsMask, kBarMemoryType64);
    uint64_t const mask =
        (uint64_t{read32(function, low + kBarSize)} << 32) | (mask_low & ~kBarMemoryFlagsMask);
    EXPECT_EQ(~mask + 1, TestFunction::kBar2Size);
    write32(function, low, 0x00004000);
    write32(function, low + kBarSize, 0x1);
    auto const bars = function.bars();
    ASSERT_EQ(bars.size(), 2U);
    EXPECT_EQ(bars[1].index, 2U);
    EXPECT_EQ(bars[1].address, 0x1'0000'4000U);
    // The unimplemented BAR in between (the 64-bit BAR's upper half aside) reads zero.
    write32(function, kBar0 + kBarSize, 0xffffffff);
    EXPECT_EQ(read32(function, kBar0 + kBarSize), 0U);
}

TEST(PciDeviceTest, CapabilityListIsWalkable) {
    TestFunction function;
    EXPECT_NE(read32(function, kCommand) >> 16 & kStatusCapabilities, 0U);
    std::vector<std::pair<uint8_t, uint8_t>> found; // (offset, id)
    uint8_t offset = static_cast<uint8_t>(read32(function, kCapabilitiesPointer));
    for (int guard = 0; offset != 0 && guard < 48; ++guard) {
        ASSERT_EQ(offset % 4, 0);
        ASSERT_GE(offset, kFirstCapabilityOffset);
        uint32_t const header = read32(function, offset);
        found.emplace_back(offset, static_cast<uint8_t>(header));
        offset = static_cast<uint8_t>(header >> 8);
    }
    ASSERT_EQ(found.size(), 2U);
    EXPECT_EQ(found[0],
              std::make_pair(static_cast<uint8_t>(function.vendor_capability), kCapabilityVendor));
    EXPECT_EQ(found[1],
              std::make_pair(static_cast<uint8_t>(function.msix_capability), kCapabilityMsix));
    // Message Control: table size N - 1; Table and PBA offsets with BIR 2.
    uint32_t const msix = read32(function, function.msix_capability);
    EXPECT_EQ(msix >> 16 & 0x7ff, TestFunction::kVectors - 1U);
    EXPECT_EQ(read32(function, function.msix_capability + 4), TestFunction::kTableOffset | 2U);
    EXPECT_EQ(read32(function, function.msix_capability + 8), TestFunction::kPbaOffset | 2U);
}

TEST(PciDeviceTest, ExtendedConfigSpaceReadsZero) {
    TestFunction function;
    EXPECT_EQ(read32(function, 0x100), 0U);
    write32(function, 0x100, 0xffffffff);
    EXPECT_EQ(read32(function, 0x100), 0U);
}

} // namespace
} // namespace vireo::pci
