// Splits what a client sends into request lines (newline-terminated, a trailing CR
// dropped). A line longer than the bound is dropped up to its newline and reported once,
// so one runaway client cannot make vireo buffer without end.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vireo::control {

class LineSplitter {
public:
    struct Line {
        std::string text;
        bool too_long = false; // text is empty then
    };

    explicit LineSplitter(size_t max_length)
        : max_length_(max_length) {}

    // The lines that `bytes` completes, in order.
    std::vector<Line> feed(std::string_view bytes);

private:
    void append(std::string_view part);

    size_t max_length_;
    std::string pending_;
    bool overflowed_ = false; // the pending line went past the bound
};

} // namespace vireo::control
