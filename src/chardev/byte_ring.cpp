#include "chardev/byte_ring.h"

#include <algorithm>
#include <cstring>

namespace vireo {

size_t ByteRing::push(std::span<uint8_t const> bytes) {
    size_t dropped = 0;
    if (bytes.size() >= buffer_.size()) {
        // Only the newest `capacity` bytes survive.
        dropped = size_ + bytes.size() - buffer_.size();
        bytes = bytes.last(buffer_.size());
        clear();
    } else if (size_ + bytes.size() > buffer_.size()) {
        dropped = size_ + bytes.size() - buffer_.size();
        consume(dropped);
    }
    size_t const tail = (head_ + size_) % buffer_.size();
    size_t const first = std::min(bytes.size(), buffer_.size() - tail);
    std::memcpy(buffer_.data() + tail, bytes.data(), first);
    std::memcpy(buffer_.data(), bytes.data() + first, bytes.size() - first);
    size_ += bytes.size();
    return dropped;
}

std::span<uint8_t const> ByteRing::front() const {
    size_t const length = std::min(size_, buffer_.size() - head_);
    return {buffer_.data() + head_, length};
}

void ByteRing::consume(size_t count) {
    count = std::min(count, size_);
    head_ = size_ == count ? 0 : (head_ + count) % buffer_.size();
    size_ -= count;
}

} // namespace vireo
