#include "acpi/validate.h"

#include <limits>

#include "base/units.h"

namespace vireo::acpi {

namespace {

// xAPIC IDs are 8 bits and 0xFF is the broadcast ID (Intel SDM Vol. 3A 11.6.2.1); the MADT's
// processor UID 0xFF means "all processors" (ACPI 6.5 5.2.12.7). CPUs 0-254 are describable.
constexpr unsigned kMaxXapicCpus = 255;
constexpr uint64_t k4GiB = 4 * GiB;
// PCI Express Base Specification 7.2.2: each bus has 1 MiB of ECAM space.
constexpr uint64_t kEcamBytesPerBus = 1 * MiB;
// A PCI bus has 32 device numbers (PCI Local Bus Specification 3.0 3.2.2.3.1).
constexpr size_t kMaxSlots = 32;

// Whether [base, base + size) ends at or below `end_limit`.
bool window_fits(uint64_t base, uint64_t size, uint64_t end_limit) {
    return size <= end_limit && base <= end_limit - size;
}

Result<void> validate_madt(AcpiConfig const& config) {
    if (config.cpu_count == 0 || config.cpu_count > kMaxXapicCpus)
        return make_error("ACPI: {} CPUs requested, the MADT describes 1 to {} xAPIC CPUs",
                          config.cpu_count, kMaxXapicCpus);
    // The MADT's address fields are 32 bits (ACPI 6.5 5.2.12, 5.2.12.3).
    if (config.local_apic_address >= k4GiB)
        return make_error("ACPI: local APIC address {:#x} is above 4 GiB",
                          config.local_apic_address);
    if (config.ioapic_address >= k4GiB)
        return make_error("ACPI: I/O APIC address {:#x} is above 4 GiB", config.ioapic_address);
    if (config.ioapic_gsi_base > std::numeric_limits<uint32_t>::max() - pc::kIoApicPins)
        return make_error("ACPI: I/O APIC GSI base {} is too large", config.ioapic_gsi_base);
    return {};
}

Result<void> validate_ecam(PciHostConfig const& pci) {
    if (pci.bus_start > pci.bus_end)
        return make_error("PCI: bus range {}-{} is empty", pci.bus_start, pci.bus_end);
    if (pci.ecam_base % kEcamBytesPerBus != 0)
        return make_error("PCI: ECAM base {:#x} is not 1 MiB aligned", pci.ecam_base);
    // The ECAM area is reserved with a Memory32Fixed descriptor, so it must lie below 4 GiB.
    uint64_t const ecam_end = pci.ecam_base + (uint64_t{pci.bus_end} + 1) * kEcamBytesPerBus;
    if (pci.ecam_base >= k4GiB || ecam_end > k4GiB)
        return make_error("PCI: ECAM area {:#x}-{:#x} does not lie below 4 GiB", pci.ecam_base,
                          ecam_end - 1);
    return {};
}

Result<void> validate_windows(PciHostConfig const& pci) {
    // The 32-bit window's length must also fit the DWordMemory descriptor's length field.
    if (!window_fits(pci.mmio32_base, pci.mmio32_size, k4GiB) || pci.mmio32_size >= k4GiB)
        return make_error("PCI: 32-bit MMIO window {:#x}+{:#x} does not lie below 4 GiB",
                          pci.mmio32_base, pci.mmio32_size);
    if (!window_fits(pci.mmio64_base, pci.mmio64_size, std::numeric_limits<uint64_t>::max()))
        return make_error("PCI: 64-bit MMIO window {:#x}+{:#x} wraps around", pci.mmio64_base,
                          pci.mmio64_size);
    constexpr uint64_t kIoPortSpaceEnd = 0x10000;
    if (!window_fits(pci.io_base, pci.io_size, kIoPortSpaceEnd))
        return make_error("PCI: I/O window {:#x}+{:#x} goes past port 0xffff", pci.io_base,
                          pci.io_size);
    return {};
}

Result<void> validate_routing(PciHostConfig const& pci, uint32_t gsi_base) {
    if (pci.slot_gsis.size() > kMaxSlots)
        return make_error("PCI: {} slots routed, a bus has {}", pci.slot_gsis.size(), kMaxSlots);
    for (size_t slot = 0; slot < pci.slot_gsis.size(); ++slot) {
        for (uint32_t gsi : pci.slot_gsis[slot]) {
            if (gsi < gsi_base || gsi >= gsi_base + pc::kIoApicPins)
                return make_error("PCI: slot {} is routed to GSI {}, the I/O APIC has {}-{}", slot,
                                  gsi, gsi_base, gsi_base + pc::kIoApicPins - 1);
        }
    }
    return {};
}

} // namespace

Result<void> validate(AcpiConfig const& config) {
    TRY(validate_madt(config));
    if (config.pci) {
        TRY(validate_ecam(*config.pci));
        TRY(validate_windows(*config.pci));
        TRY(validate_routing(*config.pci, config.ioapic_gsi_base));
    }
    return {};
}

} // namespace vireo::acpi
