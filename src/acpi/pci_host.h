// The DSDT's description of the PCI Express host bridge.
#pragma once

#include "acpi/bytes.h"
#include "acpi/tables.h"

namespace vireo::acpi {

// Device (PCI0): the host bridge, its windows, its interrupt routing and its _OSC. Expects a
// validated configuration (see validate.h).
Bytes pci_host_bridge(PciHostConfig const& pci);

// Device (MBRD), a motherboard resource (PNP0C02) reserving the ECAM area. Linux uses MCFG's
// area only when firmware reserves it, in the e820 map or here (arch/x86/pci/mmconfig-shared.c,
// is_mmconf_reserved), so the tables say it themselves.
Bytes ecam_reservation(PciHostConfig const& pci);

} // namespace vireo::acpi
