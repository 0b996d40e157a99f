// Configurations the tables cannot express fail with a one-line reason.
#include <gtest/gtest.h>

#include "fixtures.h"

namespace vireo::acpi {
namespace {

using namespace testing;

std::string error_for(AcpiConfig const& config, uint64_t address = pc::kAcpiTablesAddress,
                      size_t max_size = pc::kAcpiTablesMaxSize) {
    auto const blob = build_tables(config, address, max_size);
    EXPECT_FALSE(blob) << "expected an error";
    if (blob)
        return {};
    EXPECT_EQ(blob.error().message().find('\n'), std::string::npos);
    return blob.error().message();
}

TEST(AcpiConfig, CpuCountMustFitXapicIds) {
    EXPECT_NE(error_for(legacy_config(0)).find("0 CPUs"), std::string::npos);
    EXPECT_NE(error_for(legacy_config(256)).find("256 CPUs"), std::string::npos);
    EXPECT_TRUE(build_tables(legacy_config(255), pc::kAcpiTablesAddress, pc::kAcpiTablesMaxSize));
}

TEST(AcpiConfig, MadtAddressesMustBe32Bit) {
    AcpiConfig config = legacy_config();
    config.local_apic_address = 0x1'0000'0000;
    EXPECT_NE(error_for(config).find("local APIC"), std::string::npos);
    config = legacy_config();
    config.ioapic_address = 0x1'fec0'0000;
    EXPECT_NE(error_for(config).find("I/O APIC"), std::string::npos);
}

TEST(AcpiConfig, PciRangesAreChecked) {
    auto with = [](auto change) {
        AcpiConfig config = pci_config();
        change(*config.pci);
        return error_for(config);
    };
    EXPECT_NE(with([](PciHostConfig& p) { p.bus_start = 2, p.bus_end = 1; }).find("bus range"),
              std::string::npos);
    EXPECT_NE(with([](PciHostConfig& p) { p.ecam_base += 0x1000; }).find("aligned"),
              std::string::npos);
    EXPECT_NE(with([](PciHostConfig& p) { p.ecam_base = 0x1'0000'0000; }).find("ECAM"),
              std::string::npos);
    EXPECT_NE(
        with([](PciHostConfig& p) { p.ecam_base = 0xf8000000, p.bus_end = 0xff; }).find("ECAM"),
        std::string::npos); // 256 buses run past 4 GiB
    EXPECT_NE(with([](PciHostConfig& p) {
                  p.mmio32_base = 0xf0000000, p.mmio32_size = 0x10000001;
              }).find("32-bit"),
              std::string::npos);
    EXPECT_NE(with([](PciHostConfig& p) {
                  p.mmio64_base = ~0ULL - 10, p.mmio64_size = 100;
              }).find("64-bit"),
              std::string::npos);
    EXPECT_NE(with([](PciHostConfig& p) { p.io_base = 0xf000, p.io_size = 0x1001; }).find("I/O"),
              std::string::npos);
}

TEST(AcpiConfig, WindowsMayEndAtTheirLimit) {
    AcpiConfig config = pci_config();
    config.pci->io_base = 0xf000;
    config.pci->io_size = 0x1000;
    config.pci->mmio32_base = 0xf0000000;
    config.pci->mmio32_size = 0x10000000;
    auto const blob = build_tables(config, pc::kAcpiTablesAddress, pc::kAcpiTablesMaxSize);
    EXPECT_TRUE(blob) << blob.error().message();
}

TEST(AcpiConfig, RoutingMustStayOnTheIoApic) {
    AcpiConfig config = pci_config();
    config.pci->slot_gsis.assign(33, {16, 17, 18, 19});
    EXPECT_NE(error_for(config).find("33 slots"), std::string::npos);
    config.pci->slot_gsis.assign(32, {16, 17, 18, 19});
    EXPECT_TRUE(build_tables(config, pc::kAcpiTablesAddress, pc::kAcpiTablesMaxSize));
    config.pci->slot_gsis[5][2] = pc::kIoApicPins;
    EXPECT_NE(error_for(config).find("GSI 24"), std::string::npos);
}

TEST(AcpiConfig, AddressAndSpaceAreChecked) {
    EXPECT_NE(error_for(legacy_config(), pc::kAcpiTablesAddress + 16).find("aligned"),
              std::string::npos);
    EXPECT_NE(error_for(legacy_config(), pc::kAcpiTablesAddress, 256).find("bytes"),
              std::string::npos);
}

TEST(AcpiConfig, LargestMachineFitsTheBiosArea) {
    AcpiConfig config = pci_config(255);
    config.pci->slot_gsis.assign(32, {16, 17, 18, 19});
    auto const blob = build_or_fail(config);
    EXPECT_LE(blob.bytes.size(), pc::kAcpiTablesMaxSize);
    EXPECT_TRUE(walk_tables(GuestImage(blob)));
}

} // namespace
} // namespace vireo::acpi
