// Checks an AcpiConfig against what the tables can express, before anything is built.
#pragma once

#include "acpi/tables.h"
#include "base/result.h"

namespace vireo::acpi {

Result<void> validate(AcpiConfig const& config);

} // namespace vireo::acpi
