// A bounded byte queue that keeps the newest bytes: when it is full, pushing drops the
// oldest. Console output uses it so a stuck reader costs old output, never a blocked vCPU.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace vireo {

class ByteRing {
public:
    explicit ByteRing(size_t capacity)
        : buffer_(capacity) {}

    // Appends `bytes`; returns how many old (or, past capacity, new) bytes were dropped.
    size_t push(std::span<uint8_t const> bytes);
    // The oldest bytes that are contiguous in memory; empty when the ring is.
    std::span<uint8_t const> front() const;
    void consume(size_t count);
    void clear() { head_ = size_ = 0; }

    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    size_t capacity() const { return buffer_.size(); }

private:
    std::vector<uint8_t> buffer_;
    size_t head_ = 0;
    size_t size_ = 0;
};

} // namespace vireo
