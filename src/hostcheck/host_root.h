// The host's /proc, /sys and /dev as the checks read them: through a root prefix, so unit
// tests can point every file-based check at a fake tree in a temporary directory.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vireo::hostcheck {

class HostRoot {
public:
    // An empty prefix is the real root.
    explicit HostRoot(std::string prefix = "")
        : prefix_(std::move(prefix)) {}

    // The path of an absolute host path ("/proc/cpuinfo") under the prefix.
    [[nodiscard]] std::string path(std::string_view absolute) const;
    [[nodiscard]] bool exists(std::string_view absolute) const;
    // The whole file, or nothing if it cannot be read. Works for /proc and /sys files, whose
    // size stat() reports as 0 or 4096 whatever they hold.
    [[nodiscard]] std::optional<std::string> read_file(std::string_view absolute) const;
    // The file's first line without surrounding white space: how sysfs and procfs present
    // a single value.
    [[nodiscard]] std::optional<std::string> read_value(std::string_view absolute) const;
    // Entry names in a directory, sorted; empty when it is missing.
    [[nodiscard]] std::vector<std::string> list_directory(std::string_view absolute) const;

private:
    std::string prefix_;
};

// Text helpers the checks share.
std::string_view trim(std::string_view text);
std::vector<std::string_view> split_words(std::string_view text);
std::vector<std::string_view> split_lines(std::string_view text);
// The bracketed choice in a sysfs selection file: "always [madvise] never" -> "madvise".
std::optional<std::string> selected_choice(std::string_view text);

} // namespace vireo::hostcheck
