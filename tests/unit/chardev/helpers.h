// Test helpers for console back ends: a running event loop, a temporary directory, reads
// with a deadline.
#pragma once

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include "base/event_loop.h"

namespace vireo::test {

inline std::unique_ptr<EventLoop> started_loop() {
    auto loop = EventLoop::create();
    EXPECT_TRUE(loop);
    (*loop)->start();
    return std::move(*loop);
}

class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "vireo-test-XXXXXX");
        char* made = mkdtemp(pattern.data());
        EXPECT_NE(made, nullptr);
        path_ = pattern;
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    std::string file(std::string const& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

inline bool wait_until(std::function<bool()> const& condition,
                       std::chrono::milliseconds limit = std::chrono::milliseconds(3000)) {
    auto const deadline = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

// Reads from `fd` until `count` bytes arrived or `limit` passed.
inline std::string read_exactly(int fd, size_t count,
                                std::chrono::milliseconds limit = std::chrono::milliseconds(3000)) {
    std::string result;
    auto const deadline = std::chrono::steady_clock::now() + limit;
    while (result.size() < count) {
        auto const left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            break;
        pollfd descriptor{.fd = fd, .events = POLLIN, .revents = 0};
        if (poll(&descriptor, 1, static_cast<int>(left.count())) <= 0)
            break;
        char buffer[4096];
        ssize_t const got = ::read(fd, buffer, std::min(sizeof(buffer), count - result.size()));
        if (got <= 0)
            break;
        result.append(buffer, static_cast<size_t>(got));
    }
    return result;
}

// True if `fd` has nothing to read within `limit`.
inline bool stays_quiet(int fd, std::chrono::milliseconds limit = std::chrono::milliseconds(100)) {
    pollfd descriptor{.fd = fd, .events = POLLIN, .revents = 0};
    return poll(&descriptor, 1, static_cast<int>(limit.count())) == 0;
}

inline std::span<uint8_t const> bytes_of(std::string_view text) {
    return std::span(reinterpret_cast<uint8_t const*>(text.data()), text.size());
}

} // namespace vireo::test
