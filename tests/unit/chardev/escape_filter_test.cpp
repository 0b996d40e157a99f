#include <gtest/gtest.h>

#include "chardev/escape_filter.h"
#include "helpers.h"

namespace vireo {
namespace {

std::string text(std::vector<uint8_t> const& bytes) {
    return {bytes.begin(), bytes.end()};
}

TEST(EscapeFilter, PlainInputPassesThrough) {
    EscapeFilter filter;
    auto result = filter.filter(test::bytes_of("ls -l\r\x03"));
    EXPECT_EQ(text(result.input), "ls -l\r\x03");
    EXPECT_FALSE(result.quit);
    EXPECT_FALSE(result.help);
}

TEST(EscapeFilter, CtrlAXQuits) {
    EscapeFilter filter;
    auto result = filter.filter(test::bytes_of("ab\x01x"));
    EXPECT_EQ(text(result.input), "ab");
    EXPECT_TRUE(result.quit);
}

TEST(EscapeFilter, CtrlACtrlASendsOneCtrlA) {
    EscapeFilter filter;
    auto result = filter.filter(test::bytes_of("\x01\x01z"));
    EXPECT_EQ(text(result.input), "\x01z");
    EXPECT_FALSE(result.quit);
}

TEST(EscapeFilter, CtrlAHAsksForHelp) {
    EscapeFilter filter;
    EXPECT_TRUE(filter.filter(test::bytes_of("\x01h")).help);
    EXPECT_TRUE(filter.filter(test::bytes_of("\x01?")).help);
    EXPECT_NE(EscapeFilter::help_text().find("C-a x"), std::string_view::npos);
}

TEST(EscapeFilter, EscapeSpansReads) {
    EscapeFilter filter;
    auto first = filter.filter(test::bytes_of("q\x01"));
    EXPECT_EQ(text(first.input), "q");
    auto second = filter.filter(test::bytes_of("x"));
    EXPECT_TRUE(second.quit);
    EXPECT_TRUE(second.input.empty());
}

TEST(EscapeFilter, UnknownEscapeIsDropped) {
    EscapeFilter filter;
    auto result = filter.filter(test::bytes_of("\x01zk"));
    EXPECT_EQ(text(result.input), "k");
    EXPECT_FALSE(result.quit || result.help);
}

} // namespace
} // namespace vireo
