#include <gtest/gtest.h>

#include "devices/pci/config_access.h"
#include "devices/pci/host_bridge.h"
#include "devices/pci/slot_irq.h"
#include "pci_fakes.h"

namespace vireo::pci {
namespace {

using test::kWindowBase;
using test::kWindowSize;
using test::TestBus;
using test::TestFunction;

constexpr unsigned kSlot = 3;

// A guest's view: configuration mechanism #1 and ECAM side by side.
class PciBusTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(bus_.bus.plug(0, std::make_shared<HostBridge>()));
        ASSERT_TRUE(bus_.bus.plug(kSlot, function_));
    }

    uint32_t cf8_read(unsigned slot, uint16_t reg, size_t width = 4, unsigned bus = 0,
                      unsigned function = 0) {
        select(slot, reg, bus, function);
        uint8_t bytes[4] = {};
        ports_.read(4 + reg % 4, std::span(bytes, width));
        return static_cast<uint32_t>(load_le(std::span(bytes, width)));
    }
    void cf8_write(unsigned slot, uint16_t reg, uint32_t value, size_t width = 4) {
        select(slot, reg, 0, 0);
        uint8_t bytes[4] = {};
        store_le(bytes, value);
        ports_.write(4 + reg % 4, std::span(bytes, width));
    }
    uint32_t ecam_read(unsigned slot, uint16_t reg, size_t width = 4, unsigned bus = 0,
                       unsigned function = 0) {
        uint8_t bytes[4] = {};
        ecam_.read(ecam_offset(bus, slot, function, reg), std::span(bytes, width));
        return static_cast<uint32_t>(load_le(std::span(bytes, width)));
    }
    void ecam_write(unsigned slot, uint16_t reg, uint32_t value, size_t width = 4) {
        uint8_t bytes[4] = {};
        store_le(bytes, value);
        ecam_.write(ecam_offset(0, slot, 0, reg), std::span(bytes, width));
    }
    uint32_t mmio_read32(uint64_t address) {
        uint8_t bytes[4] = {};
        bus_.mmio.read(address, bytes);
        return static_cast<uint32_t>(load_le(bytes));
    }
    bool mmio_claimed(uint64_t address) {
        uint8_t bytes[4] = {};
        return bus_.mmio.read(address, bytes);
    }

    TestBus bus_;
    std::shared_ptr<TestFunction> function_ = std::make_shared<TestFunction>();
    ConfigPorts ports_{bus_.bus};
    Ecam ecam_{bus_.bus};

private:
    void select(unsigned slot, uint16_t reg, unsigned bus, unsigned function) {
        uint8_t bytes[4] = {};
        store_le(bytes, (1U << 31) | bus << 16 | slot << 11 | function << 8 | (reg & 0xfc));
        ports_.write(0, bytes);
    }
    static uint64_t ecam_offset(unsigned bus, unsigned slot, unsigned function, uint16_t reg) {
        return uint64_t{bus} << 20 | uint64_t{slot} << 15 | uint64_t{function} << 12 | reg;
    }
};

TEST_F(PciBusTest, Cf8AndEcamSeeTheSameRegistersAtEveryWidth) {
    for (unsigned slot : {0U, kSlot}) {
        for (uint16_t reg = 0; reg < kConfigSpaceSize; reg += 4) {
            ASSERT_EQ(cf8_read(slot, reg), ecam_read(slot, reg))
                << "slot " << slot << " reg " << reg;
            for (uint16_t byte = 0; byte < 4; ++byte)
                ASSERT_EQ(cf8_read(slot, reg + byte, 1), ecam_read(slot, reg + byte, 1));
            ASSERT_EQ(cf8_read(slot, reg + 2, 2), ecam_read(slot, reg + 2, 2));
        }
    }
    EXPECT_EQ(cf8_read(kSlot, kVendorId), 0x56781234U);
}

TEST_F(PciBusTest, WriteThroughOneMechanismIsSeenThroughTheOther) {
    cf8_write(kSlot, kInterruptLine, 0x5a, 1);
    EXPECT_EQ(ecam_read(kSlot, kInterruptLine, 1), 0x5aU);
    ecam_write(kSlot, kCacheLineSize, 0x10, 1);
    EXPECT_EQ(cf8_read(kSlot, kCacheLineSize, 1), 0x10U);
}

TEST_F(PciBusTest, AbsentFunctionsReadAllOnes) {
    EXPECT_EQ(cf8_read(7, kVendorId), kAbsentFunction);
    EXPECT_EQ(ecam_read(7, kVendorId), kAbsentFunction);
    EXPECT_EQ(ecam_read(kSlot, kVendorId, 4, 1), kAbsentFunction);    // bus 1
    EXPECT_EQ(ecam_read(kSlot, kVendorId, 4, 0, 1), kAbsentFunction); // function 1
    EXPECT_EQ(cf8_read(kSlot, kVendorId, 4, 0, 2), kAbsentFunction);
}

TEST_F(PciBusTest, ConfigAddressNeedsDwordAccessAndEnable) {
    uint8_t bytes[4] = {};
    store_le(bytes, 0x8000'1800 | 0x7f00'0003); // reserved bits and bits 1:0 are dropped
    ports_.write(0, bytes);
    ports_.read(0, bytes);
    EXPECT_EQ(load_le(bytes), 0x8000'1800U);
    uint8_t one = 0x01; // Linux's probe writes a byte to 0xCFB: not CONFIG_ADDRESS
    ports_.write(3, std::span(&one, 1));
    ports_.read(0, bytes);
    EXPECT_EQ(load_le(bytes), 0x8000'1800U);
    store_le(bytes, uint32_t{kSlot} << 11); // enable bit clear: data reads all ones
    ports_.write(0, bytes);
    ports_.read(4, bytes);
    EXPECT_EQ(load_le(bytes), 0xffffffffU);
}

TEST_F(PciBusTest, EcamIgnoresAccessesAcrossADword) {
    EXPECT_EQ(ecam_read(kSlot, 2, 4), 0xffffffffU);
    EXPECT_EQ(ecam_read(kSlot, 3, 2), 0xffffU);
}

TEST_F(PciBusTest, BarsArePlacedAlignedInsideTheWindowAndDecoded) {
    auto const bars = function_->bars();
    ASSERT_EQ(bars.size(), 2U);
    for (auto const& bar : bars) {
        EXPECT_TRUE(bar.decoding);
        EXPECT_EQ(bar.address % bar.size, 0U);
        EXPECT_GE(bar.address, kWindowBase);
        EXPECT_LE(bar.address + bar.size, kWindowBase + kWindowSize);
        EXPECT_TRUE(mmio_claimed(bar.address));
    }
    EXPECT_NE(bars[0].address, bars[1].address);
    function_->scratch[8] = 0x42;
    EXPECT_EQ(mmio_read32(bars[0].address + 8), 0x42U);
}

TEST_F(PciBusTest, GuestMovesABarAndTheMmioRangeFollows) {
    uint64_t const old_address = function_->bars()[0].address;
    uint64_t const new_address = kWindowBase + 0x80000;
    ecam_write(kSlot, kBar0, static_cast<uint32_t>(new_address));
    EXPECT_FALSE(mmio_claimed(old_address));
    EXPECT_TRUE(mmio_claimed(new_address));
    ASSERT_FALSE(function_->moves.empty());
    EXPECT_EQ(function_->moves.back().index, 0U);
    EXPECT_EQ(function_->moves.back().address, new_address);
}

TEST_F(PciBusTest, MemoryDecodingOffUnmapsEveryBar) {
    auto const bars = function_->bars();
    uint32_t const command = ecam_read(kSlot, kCommand, 2);
    ecam_write(kSlot, kCommand, command & ~kCommandMemory, 2);
    for (auto const& bar : bars)
        EXPECT_FALSE(mmio_claimed(bar.address));
    // Sizing while decoding is off maps nothing, then restoring the BAR and decoding maps it
    // where it was.
    ecam_write(kSlot, kBar0, 0xffffffff);
    EXPECT_EQ(ecam_read(kSlot, kBar0), ~uint32_t{TestFunction::kBar0Size - 1});
    ecam_write(kSlot, kBar0, static_cast<uint32_t>(bars[0].address));
    ecam_write(kSlot, kCommand, command, 2);
    for (auto const& bar : bars)
        EXPECT_TRUE(mmio_claimed(bar.address));
}

TEST_F(PciBusTest, OverlappingBarStaysUnmappedUntilItsPlaceIsFree) {
    auto const bars = function_->bars();
    auto other = std::make_shared<TestFunction>();
    ASSERT_TRUE(bus_.bus.plug(kSlot + 1, other));
    uint64_t const other_bar0 = other->bars()[0].address;
    // Move our BAR 0 onto the other function's BAR 0: it cannot be mapped there.
    ecam_write(kSlot, kBar0, static_cast<uint32_t>(other_bar0));
    function_->scratch[0] = 0x11;
    other->scratch[0] = 0x22;
    EXPECT_EQ(mmio_read32(other_bar0), 0x22U);
    EXPECT_FALSE(mmio_claimed(bars[0].address));
    // The other function's BAR moves away: ours takes the place.
    ecam_write(kSlot + 1, kBar0, static_cast<uint32_t>(kWindowBase + 0xf0000));
    EXPECT_EQ(mmio_read32(other_bar0), 0x11U);
}

TEST_F(PciBusTest, BarAtTheTopOfTheAddressSpaceIsNotMapped) {
    uint16_t const low = kBar0 + 2 * kBarSize;
    ecam_write(kSlot, low, 0xffffffff);
    ecam_write(kSlot, low + kBarSize, 0xffffffff); // sizing with decoding on
    auto const bars = function_->bars();
    EXPECT_EQ(bars[1].address, ~uint64_t{TestFunction::kBar2Size - 1});
    ASSERT_FALSE(function_->moves.empty());
    EXPECT_EQ(function_->moves.back().address, std::nullopt);
}

TEST_F(PciBusTest, SlotsTakeGsisFromTheRoutingTable) {
    EXPECT_EQ(ecam_read(kSlot, kInterruptPin, 1), kInterruptPinIntA);
    EXPECT_EQ(ecam_read(kSlot, kInterruptLine, 1), intx_gsi(kSlot, 0));
    auto const table = slot_gsi_table(kSlotsPerBus);
    EXPECT_EQ(table[kSlot][0], intx_gsi(kSlot, 0));
    for (auto const& pins : table) {
        for (uint32_t gsi : pins) {
            EXPECT_GE(gsi, kFirstPciGsi);
            EXPECT_LT(gsi, kFirstPciGsi + kPciGsiCount);
        }
    }
    EXPECT_NE(intx_gsi(1, 0), intx_gsi(2, 0)); // neighbouring slots do not share INTA
}

TEST_F(PciBusTest, PlugRefusesATakenSlotAndAFullWindow) {
    EXPECT_FALSE(bus_.bus.plug(kSlot, std::make_shared<TestFunction>()));
    EXPECT_EQ(bus_.bus.free_slot(), 1U);
    // Each TestFunction takes 32 KiB once aligned; the 512 KiB window runs out.
    bool refused = false;
    for (unsigned slot = 5; slot < kSlotsPerBus && !refused; ++slot)
        refused = !bus_.bus.plug(slot, std::make_shared<TestFunction>());
    EXPECT_TRUE(refused);
}

TEST_F(PciBusTest, IntxFollowsRequestAndInterruptDisable) {
    auto& line = *bus_.lines[intx_gsi(kSlot, 0)];
    function_->set_intx(true);
    EXPECT_TRUE(line.level);
    EXPECT_NE(ecam_read(kSlot, kStatus, 2) & kStatusInterrupt, 0U);
    uint32_t const command = ecam_read(kSlot, kCommand, 2);
    ecam_write(kSlot, kCommand, command | kCommandIntxDisable, 2);
    EXPECT_FALSE(line.level);
    EXPECT_NE(ecam_read(kSlot, kStatus, 2) & kStatusInterrupt, 0U); // still requested
    ecam_write(kSlot, kCommand, command, 2);
    EXPECT_TRUE(line.level);
    function_->set_intx(false);
    EXPECT_FALSE(line.level);
    EXPECT_EQ(ecam_read(kSlot, kStatus, 2) & kStatusInterrupt, 0U);
}

} // namespace
} // namespace vireo::pci
