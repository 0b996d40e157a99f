// The pieces every ACPI table shares: the system description table header and the Generic
// Address Structure.
#pragma once

#include <cstdint>
#include <string_view>

#include "acpi/bytes.h"

namespace vireo::acpi {

// ACPI 6.5 5.2.6: the 36-byte header at the start of every table but the RSDP and
// the FACS.
struct [[gnu::packed]] TableHeader {
    char signature[4];
    uint32_t length;
    uint8_t revision;
    uint8_t checksum;
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    char creator_id[4];
    uint32_t creator_revision;
};
static_assert(sizeof(TableHeader) == 36);

// Who made the tables, as OSPM and table dumps show it.
inline constexpr std::string_view kOemId = "VIREO ";
inline constexpr std::string_view kOemTableId = "VIREOPC ";
inline constexpr uint32_t kOemRevision = 1;
inline constexpr std::string_view kCreatorId = "VIRE";
inline constexpr uint32_t kCreatorRevision = 1;

// A header with vireo's identification; length and checksum are filled in by seal_table().
TableHeader make_header(std::string_view signature, uint8_t revision);

// Writes the final length into the header and sets the checksum so that the whole table sums
// to zero (ACPI 6.5 5.2.6).
void seal_table(Bytes& table);

// ACPI 6.5 5.2.3.2: where a register is and how it is accessed.
struct [[gnu::packed]] GenericAddress {
    uint8_t space_id;
    uint8_t bit_width;
    uint8_t bit_offset;
    uint8_t access_size;
    uint64_t address;
};
static_assert(sizeof(GenericAddress) == 12);

// Address space IDs (ACPI 6.5 5.2.3.2).
enum class AddressSpace : uint8_t {
    SystemMemory = 0,
    SystemIo = 1,
};

// Access sizes (ACPI 6.5 5.2.3.2): the width of each access the OS makes to the register.
enum class AccessSize : uint8_t {
    Undefined = 0,
    Byte = 1,
    Word = 2,
    DWord = 3,
    QWord = 4,
};

// An I/O-port register of `bytes` bytes, accessed `access` at a time.
GenericAddress io_register(uint16_t port, unsigned bytes, AccessSize access);

// The table as bytes, sealed: for tables built from one packed struct.
template <typename Table>
Bytes sealed_table(Table const& table) {
    Bytes bytes;
    append_struct(bytes, table);
    seal_table(bytes);
    return bytes;
}

} // namespace vireo::acpi
