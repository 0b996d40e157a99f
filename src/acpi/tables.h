// The ACPI tables of vireo's PC machine: what a stock kernel reads to find its CPUs, its
// interrupt controllers, its PCI host bridge and how to power off.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "base/result.h"
#include "x86/pc_layout.h"

namespace vireo::acpi {

// A PCI Express host bridge with ECAM configuration space (described when the machine has PCI).
struct PciHostConfig {
    // MCFG allocation (PCI Firmware Specification 3.2 4.1.2): `ecam_base` is the address of
    // bus 0's configuration space, even when `bus_start` is not 0.
    uint64_t ecam_base = pc::kPciEcamStart;
    uint8_t bus_start = 0;
    uint8_t bus_end = 255; // pc::kPciEcamSize covers 256 buses
    // The windows the host bridge forwards to its devices (its _CRS). A zero size omits one.
    uint64_t mmio32_base = pc::kPciMmioStart;
    uint64_t mmio32_size = pc::kPciMmioEnd - pc::kPciMmioStart;
    uint64_t mmio64_base = 0;
    uint64_t mmio64_size = 0;
    uint16_t io_base = 0;
    uint16_t io_size = 0;
    // _PRT: the global system interrupts that INTA..INTD of the device in slot N reach, for
    // slots 0 to slot_gsis.size() - 1 on bus bus_start.
    std::vector<std::array<uint32_t, 4>> slot_gsis;
};

struct AcpiConfig {
    // MADT: one Processor Local APIC per CPU, APIC ID and processor UID = index.
    unsigned cpu_count = 1;
    uint64_t local_apic_address = pc::kLocalApicAddress;
    uint64_t ioapic_address = pc::kIoApicAddress;
    uint8_t ioapic_id = 0;
    uint32_t ioapic_gsi_base = 0;
    // The machine also has the PC/AT dual 8259 PICs (MADT flag PCAT_COMPAT).
    bool legacy_pic = true;
    // The fixed-hardware registers are at the pc::kAcpiPm* ports of src/x86/pc_layout.h.
    std::optional<PciHostConfig> pci;
    // Describe COM1 (PNP0501 at 0x3f8, IRQ 4) in the DSDT.
    bool com1 = true;
};

// The tables, laid out for guest-physical address `guest_address`; every pointer inside the
// blob is guest-physical. `rsdp_address` is what the boot protocol hands the kernel
// (boot_params.acpi_rsdp_addr) and where a scan of the BIOS area finds the RSDP.
struct AcpiBlob {
    std::vector<uint8_t> bytes;
    uint64_t guest_address = 0;
    uint64_t rsdp_address = 0;
};

// Lays out RSDP, FACS, DSDT, FADT, MADT, MCFG (with PCI) and XSDT at `guest_address`, which
// must be 64-byte aligned; fails with a one-line reason on an invalid configuration or when
// the tables need more than `max_size` bytes.
Result<AcpiBlob> build_tables(AcpiConfig const& config, uint64_t guest_address, size_t max_size);

} // namespace vireo::acpi
