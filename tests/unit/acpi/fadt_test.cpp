// The FADT's fields at their ACPI 6.5 5.2.9 offsets.
#include <gtest/gtest.h>

#include "fixtures.h"

namespace vireo::acpi {
namespace {

using namespace testing;

class Fadt : public ::testing::Test {
protected:
    void SetUp() override {
        auto set = walk_tables(GuestImage(blob_));
        ASSERT_TRUE(set) << set.error().message();
        set_ = std::move(*set);
        fadt_ = set_.tables.at("FACP").bytes;
    }
    uint64_t at(size_t offset, size_t width) const { return field(fadt_, offset, width); }
    bool flag(unsigned bit) const { return ((at(112, 4) >> bit) & 1) != 0; }
    bool boot_flag(unsigned bit) const { return ((at(109, 2) >> bit) & 1) != 0; }

    AcpiBlob blob_ = build_or_fail(legacy_config());
    TableSet set_;
    std::span<uint8_t const> fadt_;
};

TEST_F(Fadt, IsTheFullRevision6Point5Table) {
    EXPECT_EQ(fadt_.size(), 276U);
    EXPECT_EQ(set_.tables.at("FACP").revision, 6);
    EXPECT_EQ(at(131, 1), 5U); // FADT Minor Version
}

TEST_F(Fadt, AcpiIsAlwaysEnabled) {
    EXPECT_EQ(at(46, 2), pc::kAcpiSciIrq); // SCI_INT
    EXPECT_EQ(at(48, 4), 0U);              // SMI_CMD: no SMM, no legacy mode
    EXPECT_EQ(at(52, 1), 0U);              // ACPI_ENABLE
    EXPECT_EQ(at(53, 1), 0U);              // ACPI_DISABLE
}

TEST_F(Fadt, LegacyBlocksPointAtThePmPorts) {
    EXPECT_EQ(at(56, 4), pc::kAcpiPm1aEvent);
    EXPECT_EQ(at(64, 4), pc::kAcpiPm1aControl);
    EXPECT_EQ(at(76, 4), pc::kAcpiPmTimer);
    EXPECT_EQ(at(80, 4), pc::kAcpiGpe0);
    EXPECT_EQ(at(60, 4), 0U); // no PM1b, PM2 or GPE1
    EXPECT_EQ(at(68, 4), 0U);
    EXPECT_EQ(at(72, 4), 0U);
    EXPECT_EQ(at(84, 4), 0U);
    EXPECT_EQ(at(88, 1), 4U); // PM1_EVT_LEN
    EXPECT_EQ(at(89, 1), 2U); // PM1_CNT_LEN
    EXPECT_EQ(at(91, 1), 4U); // PM_TMR_LEN
    EXPECT_EQ(at(92, 1), 4U); // GPE0_BLK_LEN
}

TEST_F(Fadt, ExtendedBlocksMatchTheLegacyOnes) {
    struct Block {
        size_t x_offset, legacy_offset, length_offset;
    };
    for (auto [x, legacy, length] :
         {Block{148, 56, 88}, Block{172, 64, 89}, Block{208, 76, 91}, Block{220, 80, 92}}) {
        Gas const gas = read_gas(fadt_, x);
        EXPECT_EQ(gas.space_id, 1) << x; // System I/O
        EXPECT_EQ(gas.address, at(legacy, 4)) << x;
        EXPECT_EQ(gas.bit_width, at(length, 1) * 8) << x;
        EXPECT_EQ(gas.bit_offset, 0) << x;
        EXPECT_NE(gas.access_size, 0) << x;
    }
    for (size_t unused : {160UL, 184UL, 196UL, 232UL, 244UL, 256UL})
        EXPECT_EQ(read_gas(fadt_, unused).address, 0U) << unused;
}

TEST_F(Fadt, ResetRegisterIsTheAcpiResetPort) {
    Gas const reset = read_gas(fadt_, 116);
    EXPECT_EQ(reset.space_id, 1);
    EXPECT_EQ(reset.bit_width, 8);
    EXPECT_EQ(reset.bit_offset, 0);
    EXPECT_EQ(reset.address, pc::kAcpiReset);
    EXPECT_EQ(at(128, 1), pc::kAcpiResetValue);
    EXPECT_TRUE(flag(10)); // RESET_REG_SUP
}

TEST_F(Fadt, FeatureFlags) {
    EXPECT_TRUE(flag(0));   // WBINVD
    EXPECT_TRUE(flag(2));   // PROC_C1
    EXPECT_FALSE(flag(4));  // PWR_BUTTON clear: the fixed power button exists
    EXPECT_TRUE(flag(5));   // SLP_BUTTON: no sleep button
    EXPECT_TRUE(flag(8));   // TMR_VAL_EXT: 32-bit PM timer
    EXPECT_FALSE(flag(20)); // HW_REDUCED_ACPI
    EXPECT_FALSE(flag(21)); // LOW_POWER_S0_IDLE_CAPABLE
}

TEST_F(Fadt, BootArchitectureFlags) {
    EXPECT_TRUE(boot_flag(0));  // LEGACY_DEVICES
    EXPECT_FALSE(boot_flag(1)); // 8042: not claimed, so Linux does not probe it
    EXPECT_TRUE(boot_flag(2));  // VGA Not Present
    EXPECT_FALSE(boot_flag(3)); // MSI Not Supported
    EXPECT_FALSE(boot_flag(5)); // CMOS RTC Not Present
}

TEST_F(Fadt, PointersAndPlatformFields) {
    // At most one FACS pointer is non-zero; both DSDT pointers agree.
    EXPECT_NE(at(36, 4) == 0, at(132, 8) == 0);
    EXPECT_EQ(at(36, 4), set_.facs_address);
    EXPECT_EQ(at(40, 4), at(140, 8));
    EXPECT_EQ(at(140, 8), set_.tables.at("DSDT").address);
    EXPECT_EQ(at(108, 1), 0x32U); // CENTURY: CMOS register 0x32
    EXPECT_GT(at(96, 2), 100U);   // P_LVL2_LAT: no C2
    EXPECT_GT(at(98, 2), 1000U);  // P_LVL3_LAT: no C3
}

} // namespace
} // namespace vireo::acpi
