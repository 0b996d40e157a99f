// Little-endian byte assembly shared by the table and AML encoders.
#pragma once

#include <bit>
#include <concepts>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

namespace vireo::acpi {

// ACPI structures are little-endian (ACPI 6.5 5.2.1). vireo fills the fixed-layout tables from
// packed host structs, which is only right on a little-endian host.
static_assert(std::endian::native == std::endian::little);

using Bytes = std::vector<uint8_t>;

template <std::unsigned_integral T>
void append_le(Bytes& out, T value) {
    for (size_t i = 0; i < sizeof(T); ++i)
        out.push_back(static_cast<uint8_t>(static_cast<uint64_t>(value) >> (8 * i)));
}

inline void append(Bytes& out, std::span<uint8_t const> more) {
    out.insert(out.end(), more.begin(), more.end());
}

template <typename T>
requires std::is_trivially_copyable_v<T>
void append_struct(Bytes& out, T const& value) {
    size_t const at = out.size();
    out.resize(at + sizeof(T));
    std::memcpy(out.data() + at, &value, sizeof(T));
}

// The byte that makes the sum of all bytes zero modulo 256, the checksum rule of every ACPI
// table (ACPI 6.5 5.2.6) and of resource templates (ACPI 6.5 6.4.2.9).
uint8_t checksum_byte(std::span<uint8_t const> bytes);

// Copies an identifier into a fixed-width character field, padding with spaces as the OEM ID
// fields expect (ACPI 6.5 5.2.6: "OEM-supplied string").
void set_chars(std::span<char> field, std::string_view text);

} // namespace vireo::acpi
