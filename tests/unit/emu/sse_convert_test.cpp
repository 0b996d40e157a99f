// SSE/SSE2 conversions against the host processor, over special and random values in every
// MXCSR mode, and the integer indefinite that out-of-range and NaN inputs produce.
#include <gtest/gtest.h>

#include "sse_values.h"

namespace vireo::emu::test {
namespace {

struct Case {
    std::vector<uint8_t> code;
    char const* text;
    ValueKind values; // what the source holds
};

Case const kConversions[] = {
    {{0xf3, 0x0f, 0x2a, 0xc1}, "cvtsi2ss xmm0, ecx", ValueKind::Integer},
    {{0xf3, 0x48, 0x0f, 0x2a, 0xc1}, "cvtsi2ss xmm0, rcx", ValueKind::Integer},
    {{0xf3, 0x0f, 0x2a, 0x06}, "cvtsi2ss xmm0, [rsi]", ValueKind::Integer},
    {{0xf2, 0x48, 0x0f, 0x2a, 0x06}, "cvtsi2sd xmm0, [rsi]", ValueKind::Integer},
    {{0xf2, 0x0f, 0x2a, 0xc1}, "cvtsi2sd xmm0, ecx", ValueKind::Integer},
    {{0xf3, 0x0f, 0x2c, 0xc1}, "cvttss2si eax, xmm1", ValueKind::Single},
    {{0xf3, 0x48, 0x0f, 0x2d, 0xc1}, "cvtss2si rax, xmm1", ValueKind::Single},
    {{0xf3, 0x0f, 0x2d, 0x06}, "cvtss2si eax, [rsi]", ValueKind::Single},
    {{0xf2, 0x0f, 0x2c, 0xc1}, "cvttsd2si eax, xmm1", ValueKind::Double},
    {{0xf2, 0x48, 0x0f, 0x2c, 0x06}, "cvttsd2si rax, [rsi]", ValueKind::Double},
    {{0xf2, 0x0f, 0x2d, 0xc1}, "cvtsd2si eax, xmm1", ValueKind::Double},
    {{0xf2, 0x48, 0x0f, 0x2d, 0xc1}, "cvtsd2si rax, xmm1", ValueKind::Double},
    {{0x0f, 0x5a, 0xc1}, "cvtps2pd xmm0, xmm1", ValueKind::Single},
    {{0x0f, 0x5a, 0x06}, "cvtps2pd xmm0, qword ptr [rsi]", ValueKind::Single},
    {{0x66, 0x0f, 0x5a, 0xc1}, "cvtpd2ps xmm0, xmm1", ValueKind::Double},
    {{0xf3, 0x0f, 0x5a, 0x06}, "cvtss2sd xmm0, dword ptr [rsi]", ValueKind::Single},
    {{0xf2, 0x0f, 0x5a, 0xc1}, "cvtsd2ss xmm0, xmm1", ValueKind::Double},
    {{0x0f, 0x5b, 0xc1}, "cvtdq2ps xmm0, xmm1", ValueKind::Integer},
    {{0x66, 0x0f, 0x5b, 0x06}, "cvtps2dq xmm0, [rsi]", ValueKind::Single},
    {{0xf3, 0x0f, 0x5b, 0xc1}, "cvttps2dq xmm0, xmm1", ValueKind::Single},
    {{0xf3, 0x0f, 0xe6, 0xc1}, "cvtdq2pd xmm0, xmm1", ValueKind::Integer},
    {{0xf2, 0x0f, 0xe6, 0x06}, "cvtpd2dq xmm0, [rsi]", ValueKind::Double},
    {{0x66, 0x0f, 0xe6, 0xc1}, "cvttpd2dq xmm0, xmm1", ValueKind::Double},
    {{0x0f, 0x2a, 0xc1}, "cvtpi2ps xmm0, mm1", ValueKind::Integer},
    {{0x0f, 0x2a, 0x06}, "cvtpi2ps xmm0, [rsi]", ValueKind::Integer},
    {{0x66, 0x0f, 0x2a, 0xc1}, "cvtpi2pd xmm0, mm1", ValueKind::Integer},
    {{0x0f, 0x2d, 0xc1}, "cvtps2pi mm0, xmm1", ValueKind::Single},
    {{0x0f, 0x2c, 0x06}, "cvttps2pi mm0, [rsi]", ValueKind::Single},
    {{0x66, 0x0f, 0x2d, 0x06}, "cvtpd2pi mm0, xmmword ptr [rsi]", ValueKind::Double},
    {{0x66, 0x0f, 0x2c, 0xc1}, "cvttpd2pi mm0, xmm1", ValueKind::Double},
};

TEST(SseConvert, EveryConversionMatchesHost) {
    Harness h;
    enable_sse(h);
    for (Case const& conversion : kConversions) {
        ASSERT_EQ(disassembly(conversion.code), conversion.text);
        Values values(conversion.values);
        for (uint32_t const mxcsr : kMxcsrModes)
            for (unsigned round = 0; round < 12; ++round) {
                SimdState state = values.state(mxcsr);
                state.fpu.st[1].lo = values.quadword(); // MM1 for the MMX forms
                ASSERT_EQ(compare_with_host(h, conversion.code, state), "")
                    << "MXCSR " << std::hex << mxcsr;
            }
    }
}

// Out-of-range and NaN sources convert to the integer indefinite and raise #IA (Intel SDM
// Vol. 1 4.8.3.7 and 11.5.2.1).
TEST(SseConvert, OutOfRangeGivesIntegerIndefinite) {
    Harness h;
    enable_sse(h);
    SimdState state;
    state.fpu.xmm[1] = {bits(1e10), 0};
    auto const narrow = run_emulated(h, {0xf2, 0x0f, 0x2c, 0xc1}, state); // cvttsd2si eax, xmm1
    EXPECT_EQ(narrow.state.rax, 0x80000000U);
    EXPECT_EQ(narrow.state.fpu.mxcsr, kMxcsrDefault | kMxcsrIe);

    state.fpu.xmm[1] = {0x7ff8000000000000ULL, 0};                            // QNaN
    auto const wide = run_emulated(h, {0xf2, 0x48, 0x0f, 0x2d, 0xc1}, state); // cvtsd2si rax, xmm1
    EXPECT_EQ(wide.state.rax, 0x8000000000000000ULL);

    state.fpu.xmm[1] = {bits(3e9f) | uint64_t{bits(-2.5f)} << 32, 0};
    auto const packed = run_emulated(h, {0x66, 0x0f, 0x5b, 0xc1}, state); // cvtps2dq xmm0, xmm1
    EXPECT_EQ(packed.state.fpu.xmm[0].lo, 0xfffffffe'80000000ULL);        // -2.5 rounds to even: -2
}

TEST(SseConvert, RoundingModeSelectsTheInteger) {
    Harness h;
    enable_sse(h);
    SimdState state;
    state.fpu.xmm[1] = {bits(-1.5), 0};
    std::vector<uint8_t> const cvtsd2si{0xf2, 0x0f, 0x2d, 0xc1};  // cvtsd2si eax, xmm1
    std::vector<uint8_t> const cvttsd2si{0xf2, 0x0f, 0x2c, 0xc1}; // cvttsd2si eax, xmm1
    uint32_t const results[] = {0xfffffffe, 0xfffffffe, 0xffffffff, 0xffffffff};
    uint32_t const modes[] = {kMxcsrDefault, kMxcsrDefault | kMxcsrRoundDown,
                              kMxcsrDefault | kMxcsrRoundUp, kMxcsrDefault | kMxcsrRoundZero};
    for (unsigned i = 0; i < 4; ++i) {
        state.fpu.mxcsr = modes[i];
        EXPECT_EQ(run_emulated(h, cvtsd2si, state).state.rax, results[i]) << i;
        EXPECT_EQ(run_emulated(h, cvttsd2si, state).state.rax, 0xffffffffU) << i;
    }
}

} // namespace
} // namespace vireo::emu::test
