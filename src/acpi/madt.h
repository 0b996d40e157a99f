// The Multiple APIC Description Table: the CPUs and interrupt controllers.
#pragma once

#include "acpi/bytes.h"
#include "acpi/tables.h"

namespace vireo::acpi {

// Expects a validated configuration (see validate.h).
Bytes build_madt(AcpiConfig const& config);

} // namespace vireo::acpi
