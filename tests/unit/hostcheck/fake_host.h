// A fake host root in a temporary directory: the checks read its /proc, /sys and /dev.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "hostcheck/host_root.h"

namespace vireo::hostcheck::testing {

class FakeHost {
public:
    FakeHost() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "vireo-hostcheck-XXXXXX").string();
        if (mkdtemp(pattern.data()) != nullptr)
            directory_ = pattern;
    }
    ~FakeHost() {
        std::error_code ignored;
        if (!directory_.empty())
            std::filesystem::remove_all(directory_, ignored);
    }
    FakeHost(FakeHost const&) = delete;
    FakeHost& operator=(FakeHost const&) = delete;

    bool valid() const { return !directory_.empty(); }
    HostRoot root() const { return HostRoot(directory_); }
    std::string path(std::string_view absolute) const { return directory_ + std::string(absolute); }

    // Writes a file, creating its directories; returns false when it could not.
    bool write(std::string_view absolute, std::string_view content) const {
        std::filesystem::path const file = path(absolute);
        std::error_code error;
        std::filesystem::create_directories(file.parent_path(), error);
        std::ofstream out(file);
        out << content;
        return !error && out.good();
    }

    bool make_directory(std::string_view absolute) const {
        std::error_code error;
        std::filesystem::create_directories(path(absolute), error);
        return !error;
    }

private:
    std::string directory_;
};

} // namespace vireo::hostcheck::testing
