#include "chardev/input_feed.h"

#include <algorithm>

namespace vireo {

bool InputFeed::offer(std::span<uint8_t const> bytes) {
    pending_.insert(pending_.end(), bytes.begin(), bytes.end());
    return drain();
}

std::span<uint8_t const> InputFeed::pending() const {
    return std::span<uint8_t const>(pending_).subspan(delivered_);
}

bool InputFeed::drain() {
    if (pending().empty())
        return true;
    if (!receiver_.receive)
        return false; // no device yet: keep the input until one is connected
    delivered_ += std::min(receiver_.receive(pending()), pending().size());
    if (delivered_ == pending_.size()) {
        pending_.clear();
        delivered_ = 0;
    } else if (delivered_ > pending_.size() / 2) {
        pending_.erase(pending_.begin(),
                       pending_.begin() + static_cast<std::ptrdiff_t>(delivered_));
        delivered_ = 0;
    }
    return pending_.empty();
}

bool InputFeed::ready() {
    if (!drain() || !receiver_.receive)
        return false;
    return !receiver_.can_receive || receiver_.can_receive();
}

} // namespace vireo
