// Test-only: decodes a ResourceTemplate buffer (ACPI 6.5 6.4) back into descriptors.
#pragma once

#include <cstdint>
#include <span>
#include <variant>
#include <vector>

#include "base/result.h"

namespace vireo::acpi::testing {

struct IoPort {
    bool decode16;
    uint16_t min, max;
    uint8_t alignment, length;
};
struct IrqNoFlags {
    uint16_t mask;
};
struct FixedMemory32 {
    bool writable;
    uint32_t base, length;
};
struct AddressSpace {
    size_t field_width; // 2 (Word), 4 (DWord) or 8 (QWord)
    uint8_t resource_type, general_flags, type_flags;
    uint64_t granularity, min, max, translation, length;
};
using Descriptor = std::variant<IoPort, IrqNoFlags, FixedMemory32, AddressSpace>;

// Fails unless the bytes end with exactly one End Tag whose checksum is zero or makes the
// whole template sum to zero (ACPI 6.5 6.4.2.9).
Result<std::vector<Descriptor>> decode_resources(std::span<uint8_t const> bytes);

} // namespace vireo::acpi::testing
