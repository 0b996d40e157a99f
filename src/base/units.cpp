#include "base/units.h"

#include <cctype>
#include <charconv>
#include <limits>

namespace vireo {

Result<uint64_t> parse_unsigned(std::string_view text) {
    uint64_t value = 0;
    auto const* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end)
        return make_error("'{}' is not a non-negative integer", text);
    return value;
}

Result<uint64_t> parse_memory_size(std::string_view text) {
    size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits])))
        ++digits;
    if (digits == 0)
        return make_error("'{}' is not a memory size (examples: 512M, 2G)", text);
    auto number = TRY(parse_unsigned(text.substr(0, digits)));
    std::string suffix;
    for (char c : text.substr(digits))
        suffix.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    if (suffix.ends_with("IB"))
        suffix.resize(suffix.size() - 2);
    else if (suffix.size() > 1 && suffix.ends_with("B"))
        suffix.resize(suffix.size() - 1);

    uint64_t unit = 0;
    if (suffix.empty() || suffix == "M")
        unit = MiB;
    else if (suffix == "K")
        unit = KiB;
    else if (suffix == "G")
        unit = GiB;
    else if (suffix == "T")
        unit = 1024 * GiB;
    else if (suffix == "B")
        unit = 1;
    else
        return make_error("'{}' has an unknown size unit (use K, M, G or T)", text);
    if (number > std::numeric_limits<uint64_t>::max() / unit)
        return make_error("'{}' is too large", text);
    return number * unit;
}

} // namespace vireo
