// The PCI Express memory-mapped configuration space table (signature "MCFG").
#pragma once

#include "acpi/bytes.h"
#include "acpi/tables.h"

namespace vireo::acpi {

Bytes build_mcfg(PciHostConfig const& pci);

} // namespace vireo::acpi
