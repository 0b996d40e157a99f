#include "initial_state.h"

#include <bit>
#include <cstring>

namespace vireo::difftest {

namespace {

// IEEE 754 single-precision encodings at the edges (Intel SDM Vol. 1 4.2.2, Table 4-3).
uint32_t interesting_f32(Rng& rng) {
    static constexpr uint32_t kSpecial[] = {
        0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x3f000000, 0x40000000, 0x40490fdb,
        0x00000001, 0x807fffff, 0x00800000, 0x7f7fffff, 0x7f800000, 0xff800000, 0x7fc00000,
        0xffc00000, 0x7f800001, 0x7fbfffff, 0x4f000000, 0xcf000000, 0x5f000000, 0x3effffff};
    switch (rng.below(4)) {
    case 0:
        return rng.pick(std::span<uint32_t const>(kSpecial));
    case 1: // a normal number of moderate size, so that arithmetic stays exact-ish
        return static_cast<uint32_t>((rng.below(2) << 31) | ((127 - 24 + rng.below(48)) << 23) |
                                     rng.below(1U << 23));
    case 2: // a small integer, for conversions
        return std::bit_cast<uint32_t>(static_cast<float>(rng.between(-1000, 1000)));
    default:
        return static_cast<uint32_t>(rng.next());
    }
}

// Double-precision encodings at the edges (Intel SDM Vol. 1 4.2.2, Table 4-3).
uint64_t interesting_f64(Rng& rng) {
    static constexpr uint64_t kSpecial[] = {
        0x0000000000000000, 0x8000000000000000, 0x3ff0000000000000, 0xbff0000000000000,
        0x3fe0000000000000, 0x400921fb54442d18, 0x0000000000000001, 0x000fffffffffffff,
        0x0010000000000000, 0x7fefffffffffffff, 0x7ff0000000000000, 0xfff0000000000000,
        0x7ff8000000000000, 0xfff8000000000000, 0x7ff0000000000001, 0x41e0000000000000,
        0xc1e0000000000000, 0x43e0000000000000, 0xc3e0000000000000, 0x3fdfffffffffffff};
    switch (rng.below(4)) {
    case 0:
        return rng.pick(std::span<uint64_t const>(kSpecial));
    case 1:
        return (rng.below(2) << 63) | ((1023 - 53 + rng.below(106)) << 52) | rng.below(1ULL << 52);
    case 2:
        return std::bit_cast<uint64_t>(static_cast<double>(rng.between(-100000, 100000)));
    default:
        return rng.next();
    }
}

// A 64-bit lane: two singles, a double, or integer bits.
uint64_t interesting_lane(Rng& rng) {
    switch (rng.below(3)) {
    case 0:
        return interesting_f32(rng) | (static_cast<uint64_t>(interesting_f32(rng)) << 32);
    case 1:
        return interesting_f64(rng);
    default:
        return interesting_u64(rng);
    }
}

// An 80-bit extended-precision value (Intel SDM Vol. 1 4.2.2 and 8.2.2, Table 8-3),
// including the encodings x87 arithmetic rejects (unnormals, pseudo-denormals).
Fxsave::St interesting_f80(Rng& rng) {
    constexpr uint16_t kBias = 0x3fff;
    constexpr uint64_t kInteger = 1ULL << 63;
    constexpr uint64_t kQuiet = 1ULL << 62;
    Fxsave::St st;
    uint16_t const sign = rng.chance(50) ? 0x8000 : 0;
    switch (rng.below(12)) {
    case 0: // zero
        st.sign_exponent = sign;
        break;
    case 1: // a small integer n = mantissa * 2^(e - 63)
    case 2: {
        uint64_t const n = 1 + rng.below(100000);
        unsigned const top = 63 - static_cast<unsigned>(__builtin_clzll(n));
        st.mantissa = n << (63 - top);
        st.sign_exponent = static_cast<uint16_t>(sign | (kBias + top));
        break;
    }
    case 3: // denormal
        st.mantissa = rng.next() >> 1;
        st.sign_exponent = sign;
        break;
    case 4: // infinity, or a NaN (quiet or signalling)
        st.mantissa = kInteger | rng.pick<uint64_t>({0, kQuiet, 1, kQuiet | rng.next() >> 2});
        st.sign_exponent = static_cast<uint16_t>(sign | 0x7fff);
        break;
    case 5: // an extreme exponent
        st.mantissa = kInteger | rng.next();
        st.sign_exponent = static_cast<uint16_t>(sign | rng.pick<uint16_t>({1, 2, 0x7ffd, 0x7ffe}));
        break;
    case 6: // unnormal or pseudo-denormal: unsupported, #IA when used (rare)
        if (rng.chance(30)) {
            st.mantissa = rng.next() & ~kInteger;
            st.sign_exponent = static_cast<uint16_t>(sign | (rng.chance(50) ? 0 : 0x3fff));
            if (st.sign_exponent == sign)
                st.mantissa |= kInteger;
            break;
        }
        [[fallthrough]];
    default: // a normal number of moderate size
        st.mantissa = kInteger | rng.next();
        st.sign_exponent = static_cast<uint16_t>(sign | (kBias - 64 + rng.below(128)));
        break;
    }
    return st;
}

} // namespace

uint64_t interesting_u64(Rng& rng) {
    switch (rng.below(10)) {
    case 0:
        return rng.below(4);
    case 1:
        return ~rng.below(4);
    case 2:
        return rng.pick<uint64_t>({0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000,
                                   0xffffffff, 0x100000000, 0x7fffffffffffffff,
                                   0x8000000000000000});
    case 3:
        return rng.below(256);
    case 4:
        return rng.next() >> rng.below(64);
    default:
        return rng.next();
    }
}

Fxsave random_fpu_state(Rng& rng) {
    // FCW (Intel SDM Vol. 1 8.1.5): exceptions masked (rarely not), bit 6 reads as 1 after
    // FNINIT, precision control 24/53/64 bits (01 is reserved), any rounding.
    constexpr uint16_t kMasks = 0x3f;
    uint16_t masks = kMasks;
    if (rng.chance(5))
        masks &= static_cast<uint16_t>(rng.next());
    uint16_t const precision = rng.pick<uint16_t>({0, 2, 3});
    auto const rounding = static_cast<uint16_t>(rng.below(4));
    Fxsave fx;
    fx.fcw = static_cast<uint16_t>(masks | 0x40 | (precision << 8) | (rounding << 10));
    // FSW (8.1.3): sticky flags only of masked exceptions, so none is pending; any TOP and
    // condition codes.
    auto const sticky = static_cast<uint16_t>(rng.next() & masks & kMasks);
    fx.fsw = static_cast<uint16_t>(sticky | (rng.next() & (kFswC0 | kFswC1 | kFswC2 | kFswC3)) |
                                   (rng.below(8) << kFswTopShift));
    fx.ftw = static_cast<uint8_t>(rng.next());
    for (auto& st : fx.st)
        st = interesting_f80(rng);
    // MXCSR (10.2.3): flags, DAZ, masks (rarely cleared), rounding, FTZ; bits 16-31 reserved.
    constexpr uint32_t kMxcsrMasks = 0x1f80;
    uint32_t mxcsr_masks = kMxcsrMasks;
    if (rng.chance(5))
        mxcsr_masks &= static_cast<uint32_t>(rng.next());
    fx.mxcsr = static_cast<uint32_t>((rng.next() & 0xe07f) | mxcsr_masks);
    for (auto& xmm : fx.xmm)
        xmm = {interesting_lane(rng), interesting_lane(rng)};
    return fx;
}

void fill_random(Rng& rng, std::span<uint8_t> bytes) {
    for (size_t i = 0; i + 8 <= bytes.size(); i += 8) {
        uint64_t const lane = interesting_lane(rng);
        std::memcpy(bytes.data() + i, &lane, sizeof(lane));
    }
}

MachineState random_machine_state(Rng& rng) {
    MachineState state;
    for (uint64_t& value : state.gpr)
        value = interesting_u64(rng);
    state.gpr[kRsp] = kStackStart;
    state.rip = kCodeAddress;
    // RFLAGS (Intel SDM Vol. 1 3.4.3): reserved bit 1 and IF as at CPL3 on Linux, random
    // arithmetic flags and DF, sometimes ID.
    constexpr uint64_t kReserved1 = 1U << 1, kIf = 1U << 9, kId = 1U << 21;
    constexpr uint64_t kRandomFlags = 0x8d5 | (1U << 10); // CF PF AF ZF SF OF, DF
    state.rflags = kReserved1 | kIf | (rng.next() & kRandomFlags) | (rng.chance(20) ? kId : 0);
    state.fx = random_fpu_state(rng);
    return state;
}

} // namespace vireo::difftest
