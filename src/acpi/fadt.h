// The Fixed ACPI Description Table and the Firmware ACPI Control Structure it points to.
#pragma once

#include <cstdint>

#include "acpi/bytes.h"

namespace vireo::acpi {

// Guest-physical addresses the FADT points to.
struct FadtPointers {
    uint64_t facs;
    uint64_t dsdt;
};

Bytes build_fadt(FadtPointers pointers);

// The FACS must be 64-byte aligned (ACPI 6.5 5.2.10).
inline constexpr uint64_t kFacsAlignment = 64;
Bytes build_facs();

} // namespace vireo::acpi
