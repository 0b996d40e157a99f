// x87 states for the tests: register stacks with random TOP and tags (so that stack underflow
// and overflow happen), 80-bit special values (zeros, denormals and pseudo-denormals,
// unnormals, infinities, pseudo-NaNs, QNaNs and SNaNs, the indefinite, integers at the limits
// of FIST), random condition codes, and control words covering precision and rounding control
// and unmasked exceptions.
#pragma once

#include <cstdint>
#include <random>

#include "sse_values.h"

namespace vireo::emu::test {

struct X87Value {
    uint64_t significand;
    uint16_t sign_exponent;
};

inline constexpr X87Value kSpecialX87[] = {
    {0, 0},
    {0, 0x8000},
    {0x8000000000000000, 0x3fff}, // 1
    {0xc000000000000000, 0xbfff}, // -1.5
    {0xc90fdaa22168c235, 0x4000}, // pi
    {0xaaaaaaaaaaaaaaab, 0x3ffd}, // 1/3
    {0xffffffffffffffff, 0x7ffe}, // largest
    {0x8000000000000000, 0x0001}, // smallest normal
    {0x0000000000000001, 0x0000}, // smallest denormal
    {0x8000000000000001, 0x0000}, // pseudo-denormal
    {0x4000000000000000, 0x3fff}, // unnormal
    {0x8000000000000000, 0x7fff}, // infinity
    {0x8000000000000000, 0xffff}, // -infinity
    {0xc000000000000000, 0x7fff}, // QNaN
    {0xc000000000000000, 0xffff}, // indefinite
    {0xa000000000000000, 0x7fff}, // SNaN
    {0xc000000000012345, 0xffff}, // QNaN with payload
    {0x4000000000000000, 0x7fff}, // pseudo-NaN
    {0x0000000000000000, 0x7fff}, // pseudo-infinity
    {0x8000000000000000, 0x401e}, // 2^31
    {0xffffffffffffffff, 0x403d}, // just below 2^63
    {0x8000000000000000, 0x403e}, // 2^63
    {0xc000000000000000, 0x4000}, // 3
    {0xa000000000000000, 0xc002}, // -10
    {0xc0e4000000000000, 0x400c}, // 12345 / 2^? (an integer with a fraction)
    {0x8000000000000000, 0x3ffe}, // 0.5
    {0x8000000000000000, 0x43fe}, // 2^1023
    {0x8000000000000000, 0x3c01}, // 2^-1022
    {0x8000000000000000, 0x407e}, // 2^127
    {0x8000000000000000, 0x3f81}, // 2^-126
};

// Control words: default, each precision and rounding control, the ignored infinity bit, and
// unmasked exception groups.
inline constexpr uint16_t kControlWords[] = {0x037f, 0x007f, 0x027f, 0x077f, 0x0b7f, 0x0f7f,
                                             0x1f7f, 0x037e, 0x0367, 0x035f, 0x0379, 0x0340};

class X87Values {
public:
    explicit X87Values(uint32_t seed)
        : random_(seed)
        , integers_(ValueKind::Integer, seed) {}

    X87Value value() {
        uint64_t const raw = random_();
        if (raw % 4 != 0)
            return kSpecialX87[(raw >> 8) % std::size(kSpecialX87)];
        // A random value near 1 with a random sign, or any bit pattern.
        uint64_t const significand = random_() | (raw % 8 == 4 ? 0 : 1ULL << 63);
        auto const exponent =
            static_cast<uint16_t>(raw % 8 == 4 ? raw >> 48 : 0x3fc0 + (raw >> 58));
        return {significand, exponent};
    }

    // A state with random registers, TOP, tags and condition codes under `control`, with no
    // exception pending (so the first instruction does not take #MF natively).
    SimdState state(uint16_t control) {
        SimdState state = integers_.state(kMxcsrDefault);
        for (Reg128& st : state.fpu.st) {
            X87Value const v = value();
            st = {v.significand, v.sign_exponent};
        }
        uint64_t const raw = random_();
        state.fpu.fcw = control;
        unsigned const top = raw & 7;
        uint16_t const conditions = static_cast<uint16_t>((raw >> 3) & 0x4700);
        // Exception flags only where masked, so nothing is pending.
        uint16_t const flags = static_cast<uint16_t>((raw >> 16) & 0x3f & control);
        state.fpu.fsw = static_cast<uint16_t>(top << 11 | conditions | flags);
        // Mostly full stacks, sometimes nearly empty ones.
        uint64_t const tags = random_();
        state.fpu.ftw =
            static_cast<uint8_t>(raw % 3 == 0 ? tags : tags | (tags >> 8) | (tags >> 16));
        for (unsigned i = 0; i + 10 <= state.data.size(); i += 16) {
            X87Value const v = value();
            std::memcpy(state.data.data() + i, &v.significand, 8);
            std::memcpy(state.data.data() + i + 8, &v.sign_exponent, 2);
        }
        if (raw % 5 == 0) { // small integers and plain doubles/floats for the integer forms
            uint64_t const small = random_() % 40000;
            std::memcpy(state.data.data(), &small, 8);
        }
        return state;
    }

private:
    std::mt19937_64 random_;
    Values integers_;
};

} // namespace vireo::emu::test
