#include "acpi/root.h"

#include <cstddef>
#include <cstring>

#include "acpi/sdt.h"

namespace vireo::acpi {

namespace {

// ACPI 6.5 5.2.5.3.
struct [[gnu::packed]] Rsdp {
    char signature[8];
    uint8_t checksum; // covers the first 20 bytes, the ACPI 1.0 structure
    char oem_id[6];
    uint8_t revision;
    uint32_t rsdt_address;
    uint32_t length;
    uint64_t xsdt_address;
    uint8_t extended_checksum; // covers the whole structure
    uint8_t reserved[3];
};
static_assert(sizeof(Rsdp) == kRsdpSize);
constexpr size_t kRsdpV1Size = 20;
constexpr uint8_t kRsdpRevision = 2; // ACPI 2.0 and later
constexpr uint8_t kXsdtRevision = 1; // ACPI 6.5 5.2.8

} // namespace

Bytes build_rsdp(uint64_t xsdt_address) {
    Rsdp rsdp{};
    std::memcpy(rsdp.signature, "RSD PTR ", sizeof(rsdp.signature));
    set_chars(rsdp.oem_id, kOemId);
    rsdp.revision = kRsdpRevision;
    rsdp.rsdt_address = 0;
    rsdp.length = sizeof(Rsdp);
    rsdp.xsdt_address = xsdt_address;
    Bytes bytes;
    append_struct(bytes, rsdp);
    auto const v1 = std::span(bytes).first(kRsdpV1Size);
    bytes[offsetof(Rsdp, checksum)] = checksum_byte(v1);
    bytes[offsetof(Rsdp, extended_checksum)] = checksum_byte(bytes);
    return bytes;
}

Bytes build_xsdt(std::span<uint64_t const> table_addresses) {
    Bytes xsdt;
    append_struct(xsdt, make_header("XSDT", kXsdtRevision));
    for (uint64_t address : table_addresses)
        append_le(xsdt, address);
    seal_table(xsdt);
    return xsdt;
}

} // namespace vireo::acpi
