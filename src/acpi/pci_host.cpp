#include "acpi/pci_host.h"

#include "acpi/aml.h"
#include "acpi/resources.h"
#include "base/units.h"

namespace vireo::acpi {

namespace {

using aml::Arg;

// PCI configuration mechanism #1: CONFIG_ADDRESS at 0xcf8 and CONFIG_DATA at 0xcfc
// (PCI Local Bus Specification 3.0 3.2.2.3.2). The bridge claims all eight ports.
constexpr uint16_t kPciConfigPorts = 0xcf8;
constexpr uint8_t kPciConfigPortCount = 8;

// PCI Express Base Specification 7.2.2: each bus has 1 MiB of ECAM space.
constexpr uint64_t kEcamBytesPerBus = 1 * MiB;

// _PRT entry addresses name a device and "all functions" (ACPI 6.5 6.2.13): the device number
// in the high word and 0xFFFF in the low word.
constexpr uint32_t kAllFunctions = 0xffff;
constexpr unsigned kIntxPins = 4; // INTA..INTD

// PCI Firmware Specification 3.2 4.5: the UUID of the PCI host bridge _OSC.
constexpr aml::Uuid kPciHostBridgeOsc = "33DB4D5B-1FF7-401C-9657-7441C03DD766";
// _OSC Capabilities Buffer DWORD 1, "Unrecognized UUID" (ACPI 6.5 6.2.11).
constexpr uint64_t kOscUnrecognizedUuid = 1U << 2;

Bytes bridge_resources(PciHostConfig const& pci) {
    auto const bus_count = static_cast<uint16_t>(pci.bus_end - pci.bus_start + 1);
    std::vector<Bytes> descriptors{
        resource::word_bus_number(pci.bus_start, bus_count),
        resource::io(kPciConfigPorts, kPciConfigPortCount),
    };
    if (pci.io_size != 0)
        descriptors.push_back(resource::word_io(pci.io_base, pci.io_size));
    if (pci.mmio32_size != 0) {
        descriptors.push_back(resource::dword_memory(static_cast<uint32_t>(pci.mmio32_base),
                                                     static_cast<uint32_t>(pci.mmio32_size)));
    }
    if (pci.mmio64_size != 0)
        descriptors.push_back(resource::qword_memory(pci.mmio64_base, pci.mmio64_size));
    return resource_template(descriptors);
}

// _PRT with "Source" 0: each pin is wired straight to a global system interrupt, which OSPM
// treats as level-triggered and active-low (ACPI 6.5 6.2.13).
Bytes routing_table(PciHostConfig const& pci) {
    std::vector<Bytes> entries;
    for (size_t slot = 0; slot < pci.slot_gsis.size(); ++slot) {
        uint32_t const address = (static_cast<uint32_t>(slot) << 16) | kAllFunctions;
        for (unsigned pin = 0; pin < kIntxPins; ++pin) {
            entries.push_back(
                aml::package({aml::integer(address), aml::integer(pin), aml::integer(0),
                              aml::integer(pci.slot_gsis[slot][pin])}));
        }
    }
    return aml::package(entries);
}

// vireo keeps no PCI Express feature for firmware (there is none), so _OSC grants every
// control the OS asks for by returning its buffer unchanged: native hotplug, AER, PME, LTR
// and the capability structure then belong to the OS. Another UUID is refused with
// "Unrecognized UUID" (ACPI 6.5 6.2.11). Without _OSC, Linux keeps ASPM and the native PCIe
// services off for a PNP0A08 bridge (drivers/acpi/pci_root.c, negotiate_os_control).
Bytes osc_method() {
    return aml::method(
        "_OSC", 4, aml::Serialized::No,
        aml::terms({
            aml::create_dword_field(aml::arg(Arg::Arg3), aml::integer(0), "CDW1"),
            aml::if_then(aml::logical_not(
                             aml::logical_equal(aml::arg(Arg::Arg0), aml::uuid(kPciHostBridgeOsc))),
                         aml::bitwise_or(aml::reference("CDW1"), aml::integer(kOscUnrecognizedUuid),
                                         "CDW1")),
            aml::return_value(aml::arg(Arg::Arg3)),
        }));
}

} // namespace

// PNP0A08 is a PCI Express root bridge, PNP0A03 a PCI root bridge for OSes that know only
// that (PCI Firmware Specification 3.2, chapter 4). Segment 0, the one MCFG describes.
Bytes pci_host_bridge(PciHostConfig const& pci) {
    return aml::device("PCI0", aml::terms({
                                   aml::name("_HID", aml::eisa_id("PNP0A08")),
                                   aml::name("_CID", aml::eisa_id("PNP0A03")),
                                   aml::name("_SEG", aml::integer(0)),
                                   aml::name("_BBN", aml::integer(pci.bus_start)),
                                   aml::name("_UID", aml::integer(0)),
                                   aml::name("_CRS", bridge_resources(pci)),
                                   aml::name("_PRT", routing_table(pci)),
                                   osc_method(),
                               }));
}

Bytes ecam_reservation(PciHostConfig const& pci) {
    uint64_t const start = pci.ecam_base + pci.bus_start * kEcamBytesPerBus;
    uint64_t const size = (uint64_t{pci.bus_end} - pci.bus_start + 1) * kEcamBytesPerBus;
    return aml::device(
        "MBRD",
        aml::terms({
            aml::name("_HID", aml::eisa_id("PNP0C02")),
            aml::name("_UID", aml::integer(0)),
            aml::name("_CRS", resource_template({resource::memory32_fixed(
                                  static_cast<uint32_t>(start), static_cast<uint32_t>(size))})),
        }));
}

} // namespace vireo::acpi
