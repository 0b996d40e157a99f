#include "acpi/bytes.h"

#include <algorithm>
#include <numeric>

namespace vireo::acpi {

uint8_t checksum_byte(std::span<uint8_t const> bytes) {
    auto const sum = std::accumulate(bytes.begin(), bytes.end(), 0U);
    return static_cast<uint8_t>(0x100 - (sum & 0xff));
}

void set_chars(std::span<char> field, std::string_view text) {
    std::fill(field.begin(), field.end(), ' ');
    std::copy_n(text.begin(), std::min(text.size(), field.size()), field.begin());
}

} // namespace vireo::acpi
