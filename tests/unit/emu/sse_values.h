// Operand values for the SSE/x87 tests: the special cases of each format (signed zeros,
// smallest and largest normals, denormals, infinities, QNaNs and SNaNs with payloads, values
// that round), mixed with pseudo-random bit patterns, and the MXCSR modes to run them in.
#pragma once

#include <bit>
#include <cstdint>
#include <random>

#include "emu/cpu.h"
#include "sse_native.h"

namespace vireo::emu::test {

// MXCSR bits (Intel SDM Vol. 1 10.2.3).
inline constexpr uint32_t kMxcsrIe = 1U << 0, kMxcsrDe = 1U << 1, kMxcsrZe = 1U << 2,
                          kMxcsrOe = 1U << 3, kMxcsrUe = 1U << 4, kMxcsrPe = 1U << 5;
inline constexpr uint32_t kMxcsrFlagBits = 0x3f;
inline constexpr uint32_t kMxcsrDaz = 1U << 6;
inline constexpr uint32_t kMxcsrIm = 1U << 7, kMxcsrZm = 1U << 9, kMxcsrOm = 1U << 10,
                          kMxcsrUm = 1U << 11;
inline constexpr uint32_t kMxcsrRoundDown = 1U << 13, kMxcsrRoundUp = 2U << 13,
                          kMxcsrRoundZero = 3U << 13;
inline constexpr uint32_t kMxcsrFtz = 1U << 15;
inline constexpr uint32_t kMxcsrDefault = 0x1f80;

// Every rounding mode, DAZ and FTZ alone and together, and sticky flags already set.
inline constexpr uint32_t kMxcsrModes[] = {
    kMxcsrDefault,
    kMxcsrDefault | kMxcsrRoundDown,
    kMxcsrDefault | kMxcsrRoundUp,
    kMxcsrDefault | kMxcsrRoundZero,
    kMxcsrDefault | kMxcsrFtz,
    kMxcsrDefault | kMxcsrDaz,
    kMxcsrDefault | kMxcsrDaz | kMxcsrFtz | kMxcsrRoundUp,
    kMxcsrDefault | kMxcsrPe | kMxcsrIe,
};

inline uint32_t bits(float value) {
    return std::bit_cast<uint32_t>(value);
}
inline uint64_t bits(double value) {
    return std::bit_cast<uint64_t>(value);
}

enum class ValueKind { Single, Double, Integer };

inline constexpr uint32_t kSpecialSingles[] = {
    0x00000000, 0x80000000, 0x3f800000, 0xbfc00000, 0x40490fdb, 0x3eaaaaab, 0x7f7fffff,
    0xff7fffff, 0x00800000, 0x80800000, 0x00000001, 0x807fffff, 0x00400000, 0x7f800000,
    0xff800000, 0x7fc00000, 0xffc00000, 0x7fa00000, 0xff812345, 0x7fc54321, 0x4f000000,
    0xcf000001, 0x5f000000, 0x4b800001, 0x3f000000, 0xc0400000, 0x01000000, 0x7e800000,
};
inline constexpr uint64_t kSpecialDoubles[] = {
    0x0000000000000000, 0x8000000000000000, 0x3ff0000000000000, 0xbff8000000000000,
    0x400921fb54442d18, 0x3fd5555555555555, 0x7fefffffffffffff, 0xffefffffffffffff,
    0x0010000000000000, 0x8010000000000000, 0x0000000000000001, 0x800fffffffffffff,
    0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000000000, 0xfff8000000000000,
    0x7ff4000000000000, 0xfff0000000012345, 0x7ff8000000054321, 0x41e0000000000000,
    0xc1e0000000200000, 0x43e0000000000000, 0xc3e0000000000001, 0x3fe0000000000000,
    0x47efffffe0000000, 0x36a0000000000000, 0x380fffffffffffff, 0x4330000000000001,
};

// Random states whose XMM0/XMM1 (and the data at [rsi]) hold values of `kind`.
class Values {
public:
    explicit Values(ValueKind kind, uint32_t seed = 1)
        : kind_(kind)
        , random_(seed) {}

    uint64_t quadword() {
        uint64_t const raw = random_();
        switch (kind_) {
        case ValueKind::Single:
            return single() | uint64_t{single()} << 32;
        case ValueKind::Double:
            return (raw % 3 == 0) ? raw : kSpecialDoubles[random_() % std::size(kSpecialDoubles)];
        default:
            return raw;
        }
    }

    Reg128 vector() { return {quadword(), quadword()}; }

    SimdState state(uint32_t mxcsr) {
        SimdState state;
        state.fpu.mxcsr = mxcsr;
        for (Reg128& reg : state.fpu.xmm)
            reg = vector();
        for (unsigned i = 0; i < state.data.size(); i += 8) {
            uint64_t const value = quadword();
            std::memcpy(state.data.data() + i, &value, 8);
        }
        state.rax = random_();
        state.rcx = random_();
        state.rdx = random_();
        state.flags = random_() & kArithFlags;
        return state;
    }

    uint64_t raw() { return random_(); }

private:
    uint32_t single() {
        uint64_t const raw = random_();
        if (raw % 3 == 0)
            return static_cast<uint32_t>(raw >> 8);
        return kSpecialSingles[raw % std::size(kSpecialSingles)];
    }

    ValueKind kind_;
    std::mt19937_64 random_;
};

} // namespace vireo::emu::test
