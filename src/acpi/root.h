// The root of the tables: the RSDP a guest finds first and the XSDT it points to.
#pragma once

#include <cstdint>
#include <span>

#include "acpi/bytes.h"

namespace vireo::acpi {

// The RSDP lies on a 16-byte boundary, where a scan looks for it (ACPI 6.5 5.2.5.1).
inline constexpr uint64_t kRsdpAlignment = 16;
inline constexpr size_t kRsdpSize = 36;

// vireo writes an XSDT and no RSDT (RsdtAddress = 0): every OS that reads revision 2 RSDPs
// uses the XSDT (ACPI 6.5 5.2.5.3, 5.2.8), a second list of the same pointers could only
// disagree with the first, and the RSDT exists for ACPI 1.0 OSes, which vireo does not serve.
Bytes build_rsdp(uint64_t xsdt_address);
Bytes build_xsdt(std::span<uint64_t const> table_addresses);

} // namespace vireo::acpi
