#include <gtest/gtest.h>

#include "hostcheck/check_result.h"
#include "hostcheck/host_root.h"

namespace vireo::hostcheck {
namespace {

std::vector<CheckResult> sample() {
    return {
        {"/dev/kvm", CheckStatus::Pass, "character device 10:232"},
        {"KVM runs guest kernel code natively", CheckStatus::Warn, "emulated"},
        {"KSM", CheckStatus::Fail, "first line\nsecond line"},
    };
}

TEST(Report, AlignsStatusColumnAfterLongestName) {
    std::string const report = format_report(sample());
    EXPECT_NE(report.find("/dev/kvm                            : PASS  character device 10:232\n"),
              std::string::npos)
        << report;
    EXPECT_NE(report.find("KVM runs guest kernel code natively : WARN  emulated\n"),
              std::string::npos)
        << report;
}

TEST(Report, KeepsEachCheckOnOneLine) {
    std::string const report = format_report(sample());
    EXPECT_NE(report.find("KSM                                 : FAIL  first line second line\n"),
              std::string::npos)
        << report;
}

TEST(Report, EndsWithCounts) {
    std::string const report = format_report(sample());
    EXPECT_TRUE(report.ends_with("3 checks: 1 PASS, 1 WARN, 1 FAIL\n")) << report;
}

TEST(Report, OmitsTrailingBlanksWithoutDetail) {
    std::string const report = format_report({{"x", CheckStatus::Pass, ""}});
    EXPECT_TRUE(report.starts_with("x : PASS\n")) << report;
}

TEST(ExitCode, IsZeroWithWarningsAndOneWithAFailure) {
    std::vector<CheckResult> results = {{"a", CheckStatus::Pass, ""}, {"b", CheckStatus::Warn, ""}};
    EXPECT_EQ(exit_code_for(results), 0);
    EXPECT_EQ(exit_code_for({}), 0);
    results.push_back({"c", CheckStatus::Fail, ""});
    EXPECT_EQ(exit_code_for(results), 1);
}

TEST(StatusName, NamesEachStatus) {
    EXPECT_EQ(status_name(CheckStatus::Pass), "PASS");
    EXPECT_EQ(status_name(CheckStatus::Warn), "WARN");
    EXPECT_EQ(status_name(CheckStatus::Fail), "FAIL");
}

TEST(Text, SelectedChoiceIsTheBracketedWord) {
    EXPECT_EQ(selected_choice("always [madvise] never"), "madvise");
    EXPECT_EQ(selected_choice("[always] madvise never"), "always");
    EXPECT_EQ(selected_choice("always madvise never"), std::nullopt);
}

TEST(Text, SplitsWordsAndLines) {
    auto const words = split_words("  fpu vme\tde  ");
    ASSERT_EQ(words.size(), 3U);
    EXPECT_EQ(words[2], "de");
    auto const lines = split_lines("a\nb\n\nc");
    ASSERT_EQ(lines.size(), 4U);
    EXPECT_EQ(lines[2], "");
    EXPECT_EQ(trim(" \tx y\n"), "x y");
}

} // namespace
} // namespace vireo::hostcheck
