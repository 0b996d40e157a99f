// The Differentiated System Description Table: vireo's ACPI namespace in AML.
#pragma once

#include "acpi/bytes.h"
#include "acpi/tables.h"

namespace vireo::acpi {

// Expects a validated configuration (see validate.h).
Bytes build_dsdt(AcpiConfig const& config);

} // namespace vireo::acpi
