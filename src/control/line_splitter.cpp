#include "control/line_splitter.h"

namespace vireo::control {

std::vector<LineSplitter::Line> LineSplitter::feed(std::string_view bytes) {
    std::vector<Line> lines;
    while (!bytes.empty()) {
        size_t const newline = bytes.find('\n');
        append(bytes.substr(0, newline));
        if (newline == std::string_view::npos)
            break;
        bytes.remove_prefix(newline + 1);
        if (overflowed_) {
            lines.push_back({{}, true});
        } else {
            if (!pending_.empty() && pending_.back() == '\r')
                pending_.pop_back();
            lines.push_back({std::move(pending_), false});
        }
        pending_.clear();
        overflowed_ = false;
    }
    return lines;
}

void LineSplitter::append(std::string_view part) {
    if (overflowed_)
        return;
    if (part.size() > max_length_ - pending_.size()) {
        overflowed_ = true;
        pending_.clear();
        return;
    }
    pending_.append(part);
}

} // namespace vireo::control
