#include <gtest/gtest.h>

#include "control/line_splitter.h"

namespace vireo::control {
namespace {

std::vector<std::string> texts(std::vector<LineSplitter::Line> const& lines) {
    std::vector<std::string> out;
    for (auto const& line : lines)
        out.push_back(line.too_long ? "<too long>" : line.text);
    return out;
}

TEST(LineSplitterTest, JoinsChunksAndSplitsLines) {
    LineSplitter splitter(64);
    EXPECT_TRUE(splitter.feed("{\"comm").empty());
    EXPECT_EQ(texts(splitter.feed("and\"}\n{}\r\n\npar")),
              (std::vector<std::string>{"{\"command\"}", "{}", ""}));
    EXPECT_EQ(texts(splitter.feed("tial\n")), (std::vector<std::string>{"partial"}));
}

TEST(LineSplitterTest, ReportsALongLineOnceAndGoesOn) {
    LineSplitter splitter(8);
    EXPECT_TRUE(splitter.feed("0123456789").empty());
    EXPECT_TRUE(splitter.feed(std::string(100, 'x')).empty());
    EXPECT_EQ(texts(splitter.feed("yy\nok\n")), (std::vector<std::string>{"<too long>", "ok"}));
    // Exactly at the bound is fine; one past it is not.
    EXPECT_EQ(texts(splitter.feed("12345678\n123456789\n")),
              (std::vector<std::string>{"12345678", "<too long>"}));
}

} // namespace
} // namespace vireo::control
