#include <algorithm>

#include <fmt/format.h>

#include "hostcheck/check_result.h"

namespace vireo::hostcheck {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;

// A detail is one line of the table whatever a file it was read from contained.
std::string single_line(std::string_view text) {
    std::string line(text);
    std::replace(line.begin(), line.end(), '\n', ' ');
    return line;
}

size_t count_status(std::vector<CheckResult> const& results, CheckStatus status) {
    return static_cast<size_t>(std::count_if(results.begin(), results.end(),
                                             [&](auto const& r) { return r.status == status; }));
}

} // namespace

std::string_view status_name(CheckStatus status) {
    switch (status) {
    case CheckStatus::Pass:
        return "PASS";
    case CheckStatus::Warn:
        return "WARN";
    case CheckStatus::Fail:
        return "FAIL";
    }
    return "?";
}

std::string format_report(std::vector<CheckResult> const& results) {
    size_t width = 0;
    for (auto const& result : results)
        width = std::max(width, result.name.size());
    std::string report;
    for (auto const& result : results) {
        report += fmt::format("{:<{}} : {:<4}  {}", result.name, width, status_name(result.status),
                              single_line(result.detail));
        // No trailing blanks when a check has no detail.
        report.erase(report.find_last_not_of(' ') + 1);
        report += '\n';
    }
    report += fmt::format("{} checks: {} PASS, {} WARN, {} FAIL\n", results.size(),
                          count_status(results, CheckStatus::Pass),
                          count_status(results, CheckStatus::Warn),
                          count_status(results, CheckStatus::Fail));
    return report;
}

int exit_code_for(std::vector<CheckResult> const& results) {
    return count_status(results, CheckStatus::Fail) > 0 ? kExitFailed : kExitOk;
}

} // namespace vireo::hostcheck
