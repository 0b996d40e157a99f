// Reading a fuzzer's bytes as a sequence of values. Once the input runs out every read
// returns zeros, so a harness never has to check lengths.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>

// The libFuzzer entry point each harness defines (also called by replay_main.cpp).
extern "C" int LLVMFuzzerTestOneInput(uint8_t const* data, size_t size);

namespace vireo::fuzz {

class FuzzInput {
public:
    FuzzInput(uint8_t const* data, size_t size)
        : bytes_(data, size) {}

    bool empty() const { return offset_ >= bytes_.size(); }
    size_t remaining() const { return empty() ? 0 : bytes_.size() - offset_; }

    template <typename T>
    T take() {
        T value{};
        size_t const count = std::min(sizeof(T), remaining());
        if (count > 0)
            std::memcpy(&value, bytes_.data() + offset_, count);
        offset_ += sizeof(T);
        return value;
    }
    uint8_t u8() { return take<uint8_t>(); }
    uint16_t u16() { return take<uint16_t>(); }
    uint32_t u32() { return take<uint32_t>(); }
    uint64_t u64() { return take<uint64_t>(); }

    // Up to `count` bytes (fewer at the end of the input).
    std::span<uint8_t const> bytes(size_t count) {
        size_t const available = std::min(count, remaining());
        auto const out = bytes_.subspan(empty() ? bytes_.size() : offset_, available);
        offset_ += available;
        return out;
    }
    std::span<uint8_t const> rest() { return bytes(remaining()); }

private:
    std::span<uint8_t const> bytes_;
    size_t offset_ = 0;
};

// A property every input must keep; a violation is a finding, so it aborts like a crash.
inline void check(bool condition, char const* what) {
    if (!condition) {
        std::fprintf(stderr, "fuzz check failed: %s\n", what);
        std::abort();
    }
}

// One of the access widths a CPU makes: 1, 2, 4 or 8 bytes.
inline size_t access_width(uint8_t selector) {
    return size_t{1} << (selector % 4);
}

} // namespace vireo::fuzz
