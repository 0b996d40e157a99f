#include "acpi/sdt.h"

#include <cstring>

#include "acpi/invariant.h"

namespace vireo::acpi {

namespace {
// Offsets inside TableHeader (ACPI 6.5 5.2.6).
constexpr size_t kLengthOffset = 4;
constexpr size_t kChecksumOffset = 9;
} // namespace

TableHeader make_header(std::string_view signature, uint8_t revision) {
    check_invariant(signature.size() == 4, "table signatures have four characters");
    TableHeader header{};
    std::memcpy(header.signature, signature.data(), sizeof(header.signature));
    header.revision = revision;
    set_chars(header.oem_id, kOemId);
    set_chars(header.oem_table_id, kOemTableId);
    header.oem_revision = kOemRevision;
    set_chars(header.creator_id, kCreatorId);
    header.creator_revision = kCreatorRevision;
    return header;
}

void seal_table(Bytes& table) {
    check_invariant(table.size() >= sizeof(TableHeader), "a table holds at least its header");
    auto const length = static_cast<uint32_t>(table.size());
    std::memcpy(table.data() + kLengthOffset, &length, sizeof(length));
    table[kChecksumOffset] = 0;
    table[kChecksumOffset] = checksum_byte(table);
}

GenericAddress io_register(uint16_t port, unsigned bytes, AccessSize access) {
    return GenericAddress{
        .space_id = static_cast<uint8_t>(AddressSpace::SystemIo),
        .bit_width = static_cast<uint8_t>(bytes * 8),
        .bit_offset = 0,
        .access_size = static_cast<uint8_t>(access),
        .address = port,
    };
}

} // namespace vireo::acpi
