// Test-only: the configurations the ACPI tests build tables for.
#pragma once

#include <gtest/gtest.h>

#include "acpi/tables.h"
#include "guest_tables.h"
#include "x86/pc_layout.h"

namespace vireo::acpi::testing {

// A PC with COM1 and no PCI.
inline AcpiConfig legacy_config(unsigned cpus = 2) {
    AcpiConfig config;
    config.cpu_count = cpus;
    return config;
}

// A PC with a PCI Express host bridge and four routed slots.
inline AcpiConfig pci_config(unsigned cpus = 2) {
    AcpiConfig config = legacy_config(cpus);
    PciHostConfig pci;
    pci.bus_start = 0;
    pci.bus_end = 0x3f;
    pci.io_base = 0x1000;
    pci.io_size = 0xf000;
    pci.mmio64_base = 0x80'0000'0000;
    pci.mmio64_size = 0x40'0000'0000;
    for (uint32_t slot = 0; slot < 4; ++slot) {
        std::array<uint32_t, 4> gsis{};
        for (uint32_t pin = 0; pin < 4; ++pin)
            gsis[pin] = 16 + (slot + pin) % 4; // the usual PCI swizzle onto GSIs 16-19
        pci.slot_gsis.push_back(gsis);
    }
    config.pci = pci;
    return config;
}

// Builds at the PC's ACPI address, failing the test on error.
inline AcpiBlob build_or_fail(AcpiConfig const& config) {
    auto blob = build_tables(config, pc::kAcpiTablesAddress, pc::kAcpiTablesMaxSize);
    EXPECT_TRUE(blob) << blob.error().message();
    return blob ? std::move(*blob) : AcpiBlob{};
}

} // namespace vireo::acpi::testing
