// How the INTx pins of the slots on bus 0 reach the I/O APIC. The same table goes to the
// guest as the host bridge's _PRT (acpi::PciHostConfig::slot_gsis), so the guest and the
// device model always agree.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace vireo::pci {

// GSIs 0-15 are the ISA interrupts; PCI takes the remaining I/O APIC pins 16-23, which the
// I/O APIC treats as level-triggered once the guest programs them from _PRT (ACPI 6.5
// 6.2.13: a _PRT entry with Source 0 is a level-triggered, active-low GSI).
inline constexpr uint32_t kFirstPciGsi = 16;
inline constexpr uint32_t kPciGsiCount = 8;
inline constexpr unsigned kIntxPins = 4; // INTA..INTD

// The GSI of pin `pin` (0 = INTA) of the device in `slot`. Pins rotate by slot, as the
// conventional swizzle does (PCI-to-PCI Bridge Architecture Specification 1.2 9.1), so
// devices that all use INTA spread over the eight GSIs.
inline uint32_t intx_gsi(unsigned slot, unsigned pin) {
    return kFirstPciGsi + (slot + pin) % kPciGsiCount;
}

// The routing of `slot_count` slots, in the form acpi::PciHostConfig::slot_gsis takes.
inline std::vector<std::array<uint32_t, kIntxPins>> slot_gsi_table(unsigned slot_count) {
    std::vector<std::array<uint32_t, kIntxPins>> table(slot_count);
    for (unsigned slot = 0; slot < slot_count; ++slot) {
        for (unsigned pin = 0; pin < kIntxPins; ++pin)
            table[slot][pin] = intx_gsi(slot, pin);
    }
    return table;
}

} // namespace vireo::pci
