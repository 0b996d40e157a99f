#include <gtest/gtest.h>

#include "base/units.h"

namespace vireo {
namespace {

TEST(ParseMemorySize, PlainNumberIsMebibytes) {
    EXPECT_EQ(*parse_memory_size("512"), 512 * MiB);
}

TEST(ParseMemorySize, Suffixes) {
    EXPECT_EQ(*parse_memory_size("512M"), 512 * MiB);
    EXPECT_EQ(*parse_memory_size("2G"), 2 * GiB);
    EXPECT_EQ(*parse_memory_size("2g"), 2 * GiB);
    EXPECT_EQ(*parse_memory_size("1536MiB"), 1536 * MiB);
    EXPECT_EQ(*parse_memory_size("64KB"), 64 * KiB);
    EXPECT_EQ(*parse_memory_size("1T"), 1024 * GiB);
}

TEST(ParseMemorySize, RejectsGarbage) {
    EXPECT_FALSE(parse_memory_size(""));
    EXPECT_FALSE(parse_memory_size("M"));
    EXPECT_FALSE(parse_memory_size("-5"));
    EXPECT_FALSE(parse_memory_size("12X"));
    EXPECT_FALSE(parse_memory_size("99999999999999999999G"));
    EXPECT_FALSE(parse_memory_size("99999999999T"));
}

TEST(ParseUnsigned, RejectsTrailingText) {
    EXPECT_EQ(*parse_unsigned("42"), 42U);
    EXPECT_FALSE(parse_unsigned("42 "));
    EXPECT_FALSE(parse_unsigned("+1"));
}

} // namespace
} // namespace vireo
