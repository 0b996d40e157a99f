// Parsing of user-facing quantities.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/result.h"

namespace vireo {

inline constexpr uint64_t KiB = 1024;
inline constexpr uint64_t MiB = 1024 * KiB;
inline constexpr uint64_t GiB = 1024 * MiB;

// Parses a memory size: "512M", "2G", "1536MiB", "4096K". A plain number is MiB, as in
// QEMU's -m option.
Result<uint64_t> parse_memory_size(std::string_view text);

// Parses a decimal unsigned integer, rejecting signs, spaces and trailing garbage.
Result<uint64_t> parse_unsigned(std::string_view text);

} // namespace vireo
