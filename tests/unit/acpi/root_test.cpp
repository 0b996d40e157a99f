// Layout, RSDP, XSDT and FACS, read back the way a guest finds them.
#include <set>

#include <gtest/gtest.h>

#include "fixtures.h"

namespace vireo::acpi {
namespace {

using namespace testing;

TEST(AcpiRoot, GuestScanFindsTheRsdpTheVmmReports) {
    auto const blob = build_or_fail(pci_config());
    GuestImage const image(blob);
    auto const rsdp = find_rsdp(image);
    ASSERT_TRUE(rsdp) << rsdp.error().message();
    EXPECT_EQ(*rsdp, blob.rsdp_address);
    EXPECT_EQ(blob.guest_address, pc::kAcpiTablesAddress);
    EXPECT_LE(blob.bytes.size(), pc::kAcpiTablesMaxSize);
}

TEST(AcpiRoot, RsdpIsRevision2WithAnXsdtAndNoRsdt) {
    auto const blob = build_or_fail(legacy_config());
    GuestImage const image(blob);
    auto const rsdp = image.read(blob.rsdp_address, 36);
    ASSERT_TRUE(rsdp) << rsdp.error().message();
    EXPECT_EQ(std::string(rsdp->begin() + 9, rsdp->begin() + 15), "VIREO ");
    EXPECT_EQ((*rsdp)[15], 2);               // revision
    EXPECT_EQ(field(*rsdp, 16, 4), 0U);      // RsdtAddress
    EXPECT_EQ(field(*rsdp, 20, 4), 36U);     // Length
    EXPECT_NE(field(*rsdp, 24, 8), 0U);      // XsdtAddress
    EXPECT_EQ(byte_sum(rsdp->first(20)), 0); // ACPI 1.0 checksum
    EXPECT_EQ(byte_sum(*rsdp), 0);           // extended checksum
}

TEST(AcpiRoot, XsdtListsExactlyTheDescribedTables) {
    auto const pci_blob = build_or_fail(pci_config());
    auto const with_pci = walk_tables(GuestImage(pci_blob));
    ASSERT_TRUE(with_pci) << with_pci.error().message();
    std::set<std::string> listed;
    for (auto const& [signature, table] : with_pci->tables)
        listed.insert(signature);
    // The XSDT lists FADT, MADT and MCFG; the DSDT is reached through the FADT.
    EXPECT_EQ(listed, (std::set<std::string>{"APIC", "DSDT", "FACP", "MCFG"}));
    EXPECT_EQ(with_pci->xsdt.bytes.size(), 36U + 3 * 8);

    auto const legacy_blob = build_or_fail(legacy_config());
    auto const legacy = walk_tables(GuestImage(legacy_blob));
    ASSERT_TRUE(legacy) << legacy.error().message();
    EXPECT_FALSE(legacy->tables.contains("MCFG"));
    EXPECT_EQ(legacy->xsdt.bytes.size(), 36U + 2 * 8);
}

TEST(AcpiRoot, TablesCarryTheirRevisionsAndVireosIds) {
    auto const blob = build_or_fail(pci_config());
    auto const set = walk_tables(GuestImage(blob));
    ASSERT_TRUE(set) << set.error().message();
    std::map<std::string, uint8_t> const revisions{
        {"FACP", 6}, {"APIC", 6}, {"DSDT", 2}, {"MCFG", 1}};
    for (auto const& [signature, revision] : revisions)
        EXPECT_EQ(set->tables.at(signature).revision, revision) << signature;
    EXPECT_EQ(set->xsdt.revision, 1);
    for (auto const& [signature, table] : set->tables) {
        EXPECT_EQ(std::string(table.bytes.begin() + 10, table.bytes.begin() + 16), "VIREO ")
            << signature;
    }
}

TEST(AcpiRoot, FacsIsAligned64ByteAndVersion2) {
    auto const blob = build_or_fail(legacy_config());
    auto const set = walk_tables(GuestImage(blob));
    ASSERT_TRUE(set) << set.error().message();
    EXPECT_EQ(set->facs_address % 64, 0U);
    EXPECT_EQ(std::string(set->facs.begin(), set->facs.begin() + 4), "FACS");
    EXPECT_EQ(field(set->facs, 4, 4), 64U);
    EXPECT_EQ(set->facs[32], 2);            // version
    EXPECT_EQ(field(set->facs, 16, 4), 0U); // global lock free
}

TEST(AcpiRoot, TablesDoNotOverlap) {
    auto const blob = build_or_fail(pci_config());
    auto const set = walk_tables(GuestImage(blob));
    ASSERT_TRUE(set) << set.error().message();
    std::vector<std::pair<uint64_t, uint64_t>> ranges{
        {set->rsdp, set->rsdp + 36},
        {set->facs_address, set->facs_address + 64},
        {set->xsdt.address, set->xsdt.address + set->xsdt.bytes.size()}};
    for (auto const& [signature, table] : set->tables)
        ranges.emplace_back(table.address, table.address + table.bytes.size());
    std::sort(ranges.begin(), ranges.end());
    for (size_t i = 1; i < ranges.size(); ++i)
        EXPECT_LE(ranges[i - 1].second, ranges[i].first);
}

TEST(AcpiRoot, PointersFollowTheLoadAddress) {
    auto const blob = build_tables(pci_config(), 0xf0000, 0x10000);
    ASSERT_TRUE(blob) << blob.error().message();
    EXPECT_EQ(blob->rsdp_address, 0xf0000U);
    auto const set = walk_tables(GuestImage(*blob));
    ASSERT_TRUE(set) << set.error().message();
    EXPECT_EQ(set->rsdp, 0xf0000U);
}

TEST(AcpiRoot, AboveFourGibOnlyTheWideFieldsPoint) {
    uint64_t const high = 0x1'0000'0000;
    auto const blob = build_tables(legacy_config(), high, pc::kAcpiTablesMaxSize);
    ASSERT_TRUE(blob) << blob.error().message();
    GuestImage const image(*blob);
    auto const set = walk_tables_from(image, blob->rsdp_address);
    ASSERT_TRUE(set) << set.error().message();
    auto const fadt = set->tables.at("FACP").bytes;
    EXPECT_EQ(field(fadt, 36, 4), 0U); // FIRMWARE_CTRL
    EXPECT_EQ(field(fadt, 40, 4), 0U); // DSDT
    EXPECT_GE(field(fadt, 132, 8), high);
    EXPECT_GE(field(fadt, 140, 8), high);
    EXPECT_FALSE(find_rsdp(image)); // nothing below 1 MiB to scan
}

} // namespace
} // namespace vireo::acpi
