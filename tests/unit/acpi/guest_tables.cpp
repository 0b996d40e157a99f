#include "guest_tables.h"

#include <cstring>
#include <numeric>

namespace vireo::acpi::testing {

namespace {
constexpr uint64_t kScanStart = 0xe0000; // ACPI 6.5 5.2.5.1
constexpr uint64_t kScanEnd = 0x100000;
constexpr uint64_t kScanStep = 16;
constexpr size_t kRsdpV1Length = 20;
constexpr size_t kHeaderLength = 36;
} // namespace

Result<std::span<uint8_t const>> GuestImage::read(uint64_t address, uint64_t size) const {
    if (address < base_ || address > end() || size > end() - address)
        return make_error("{:#x}+{:#x} lies outside the tables {:#x}-{:#x}", address, size, base_,
                          end());
    return bytes_.subspan(address - base_, size);
}

uint64_t field(std::span<uint8_t const> bytes, size_t offset, size_t width) {
    uint64_t value = 0;
    for (size_t i = 0; i < width; ++i)
        value |= uint64_t{bytes[offset + i]} << (8 * i);
    return value;
}

uint8_t byte_sum(std::span<uint8_t const> bytes) {
    return static_cast<uint8_t>(std::accumulate(bytes.begin(), bytes.end(), 0U));
}

namespace {
bool is_valid_rsdp(GuestImage const& image, uint64_t address) {
    auto v1 = image.read(address, kRsdpV1Length);
    if (!v1 || std::memcmp(v1->data(), "RSD PTR ", 8) != 0 || byte_sum(*v1) != 0)
        return false;
    if ((*v1)[15] < 2) // revision 0 is the 20-byte ACPI 1.0 structure
        return true;
    auto header = image.read(address, kRsdpV1Length + 4);
    if (!header)
        return false;
    auto whole = image.read(address, field(*header, 20, 4));
    return whole && byte_sum(*whole) == 0;
}
} // namespace

Result<uint64_t> find_rsdp(GuestImage const& image) {
    for (uint64_t address = kScanStart; address < kScanEnd; address += kScanStep) {
        if (is_valid_rsdp(image, address))
            return address;
    }
    return make_error("no valid RSDP in {:#x}-{:#x}", kScanStart, kScanEnd - 1);
}

Result<Table> read_table(GuestImage const& image, uint64_t address) {
    auto const header = TRY(image.read(address, kHeaderLength));
    auto const length = field(header, 4, 4);
    if (length < kHeaderLength)
        return make_error("table at {:#x} has length {}", address, length);
    auto const bytes = TRY(image.read(address, length));
    Table table{std::string(reinterpret_cast<char const*>(bytes.data()), 4), address, bytes[8],
                bytes};
    if (byte_sum(bytes) != 0)
        return make_error("{} at {:#x}: checksum does not sum to zero", table.signature, address);
    return table;
}

namespace {
// The FADT's FACS and DSDT pointers (ACPI 6.5 5.2.9): the X_ field wins when non-zero.
Result<void> follow_fadt(GuestImage const& image, TableSet& set) {
    auto const fadt = set.tables.at("FACP").bytes;
    if (fadt.size() < 148)
        return make_error("FADT of {} bytes has no X_DSDT field", fadt.size());
    uint64_t const dsdt = field(fadt, 140, 8) != 0 ? field(fadt, 140, 8) : field(fadt, 40, 4);
    set.tables["DSDT"] = TRY(read_table(image, dsdt));
    set.facs_address = field(fadt, 132, 8) != 0 ? field(fadt, 132, 8) : field(fadt, 36, 4);
    set.facs = TRY(image.read(set.facs_address, 64));
    return {};
}
} // namespace

Result<TableSet> walk_tables(GuestImage const& image) {
    return walk_tables_from(image, TRY(find_rsdp(image)));
}

Result<TableSet> walk_tables_from(GuestImage const& image, uint64_t rsdp_address) {
    if (!is_valid_rsdp(image, rsdp_address))
        return make_error("no valid RSDP at {:#x}", rsdp_address);
    TableSet set;
    set.rsdp = rsdp_address;
    auto const rsdp = TRY(image.read(set.rsdp, 36));
    set.rsdt_address = static_cast<uint32_t>(field(rsdp, 16, 4));
    set.xsdt = TRY(read_table(image, field(rsdp, 24, 8)));
    if (set.xsdt.signature != "XSDT")
        return make_error("RSDP points to {}, not an XSDT", set.xsdt.signature);
    for (size_t offset = kHeaderLength; offset + 8 <= set.xsdt.bytes.size(); offset += 8) {
        auto table = TRY(read_table(image, field(set.xsdt.bytes, offset, 8)));
        auto const signature = table.signature;
        if (!set.tables.emplace(signature, std::move(table)).second)
            return make_error("XSDT lists {} twice", signature);
    }
    if (!set.tables.contains("FACP"))
        return make_error("XSDT lists no FADT");
    TRY(follow_fadt(image, set));
    return set;
}

Gas read_gas(std::span<uint8_t const> bytes, size_t offset) {
    return Gas{bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3],
               field(bytes, offset + 4, 8)};
}

namespace {
Result<void> decode_madt_entry(Madt& madt, std::span<uint8_t const> entry) {
    auto const expect_length = [&](size_t length) -> Result<void> {
        if (entry.size() != length)
            return make_error("MADT entry type {} has length {}", entry[0], entry.size());
        return {};
    };
    switch (entry[0]) {
    case 0:
        TRY(expect_length(8));
        madt.cpus.push_back({entry[2], entry[3], static_cast<uint32_t>(field(entry, 4, 4))});
        return {};
    case 1:
        TRY(expect_length(12));
        madt.ioapics.push_back({entry[2], static_cast<uint32_t>(field(entry, 4, 4)),
                                static_cast<uint32_t>(field(entry, 8, 4))});
        return {};
    case 2:
        TRY(expect_length(10));
        madt.overrides.push_back({entry[2], entry[3], static_cast<uint32_t>(field(entry, 4, 4)),
                                  static_cast<uint16_t>(field(entry, 8, 2))});
        return {};
    case 4:
        TRY(expect_length(6));
        madt.nmis.push_back({entry[2], static_cast<uint16_t>(field(entry, 3, 2)), entry[5]});
        return {};
    default:
        return make_error("unexpected MADT entry type {}", entry[0]);
    }
}
} // namespace

Result<Madt> decode_madt(Table const& table) {
    auto const bytes = table.bytes;
    Madt madt{static_cast<uint32_t>(field(bytes, 36, 4)),
              static_cast<uint32_t>(field(bytes, 40, 4)),
              {},
              {},
              {},
              {}};
    size_t offset = 44;
    while (offset < bytes.size()) {
        if (bytes.size() - offset < 2 || bytes[offset + 1] < 2 ||
            bytes[offset + 1] > bytes.size() - offset)
            return make_error("MADT entry at offset {} overruns the table", offset);
        TRY(decode_madt_entry(madt, bytes.subspan(offset, bytes[offset + 1])));
        offset += bytes[offset + 1];
    }
    return madt;
}

} // namespace vireo::acpi::testing
