#include "hostcheck/host_root.h"

#include <algorithm>
#include <array>

#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include "base/fd.h"

namespace vireo::hostcheck {
namespace {

constexpr std::string_view kWhiteSpace = " \t\n\r";

} // namespace

std::string HostRoot::path(std::string_view absolute) const {
    return prefix_ + std::string(absolute);
}

bool HostRoot::exists(std::string_view absolute) const {
    struct stat info {};
    return stat(path(absolute).c_str(), &info) == 0;
}

std::optional<std::string> HostRoot::read_file(std::string_view absolute) const {
    UniqueFd fd(open(path(absolute).c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid())
        return std::nullopt;
    std::string content;
    std::array<char, 4096> buffer{};
    for (;;) {
        ssize_t const count = read(fd.get(), buffer.data(), buffer.size());
        if (count < 0)
            return std::nullopt;
        if (count == 0)
            return content;
        content.append(buffer.data(), static_cast<size_t>(count));
    }
}

std::optional<std::string> HostRoot::read_value(std::string_view absolute) const {
    auto const content = read_file(absolute);
    if (!content)
        return std::nullopt;
    std::string_view const text = *content;
    return std::string(trim(text.substr(0, text.find('\n'))));
}

std::vector<std::string> HostRoot::list_directory(std::string_view absolute) const {
    std::vector<std::string> names;
    DIR* directory = opendir(path(absolute).c_str());
    if (directory == nullptr)
        return names;
    while (dirent const* entry = readdir(directory)) {
        std::string_view const name = entry->d_name;
        if (name != "." && name != "..")
            names.emplace_back(name);
    }
    closedir(directory);
    std::sort(names.begin(), names.end());
    return names;
}

std::string_view trim(std::string_view text) {
    size_t const first = text.find_first_not_of(kWhiteSpace);
    if (first == std::string_view::npos)
        return {};
    size_t const last = text.find_last_not_of(kWhiteSpace);
    return text.substr(first, last - first + 1);
}

std::vector<std::string_view> split_words(std::string_view text) {
    std::vector<std::string_view> words;
    size_t position = 0;
    while ((position = text.find_first_not_of(kWhiteSpace, position)) != std::string_view::npos) {
        size_t const end = std::min(text.find_first_of(kWhiteSpace, position), text.size());
        words.push_back(text.substr(position, end - position));
        position = end;
    }
    return words;
}

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        size_t const end = std::min(text.find('\n'), text.size());
        lines.push_back(text.substr(0, end));
        text.remove_prefix(std::min(end + 1, text.size()));
    }
    return lines;
}

std::optional<std::string> selected_choice(std::string_view text) {
    size_t const open = text.find('[');
    size_t const close = text.find(']', open);
    if (open == std::string_view::npos || close == std::string_view::npos)
        return std::nullopt;
    return std::string(text.substr(open + 1, close - open - 1));
}

} // namespace vireo::hostcheck
