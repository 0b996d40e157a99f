#include "chardev/input_feed.h"

#include <algorithm>

namespace vireo {

bool InputFeed::offer(std::span<uint8_t const> bytes) {
    pending_.insert(pending_.end(), bytes.begin(), bytes.end());
    return drain();
}

bool InputFeed::drain() {
    if (pending_.empty())
        return true;
    if (!receiver_.receive)
        return false; // no device yet: keep the input until one is connected
    size_t const taken = std::min(receiver_.receive(pending_), pending_.size());
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(taken));
    return pending_.empty();
}

bool InputFeed::ready() {
    if (!drain() || !receiver_.receive)
        return false;
    return !receiver_.can_receive || receiver_.can_receive();
}

} // namespace vireo
