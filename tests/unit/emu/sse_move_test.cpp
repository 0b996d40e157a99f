// SSE/SSE2/MMX data movement against the host processor: each entry's text is checked against
// the disassembly of its bytes, then the emulator must leave the same state as the host.
// Alignment faults, page-crossing unaligned accesses and byte-masked stores are checked on
// the emulator alone.
#include <gtest/gtest.h>

#include "sse_values.h"

namespace vireo::emu::test {
namespace {

struct Case {
    std::vector<uint8_t> code;
    char const* text;
};

Case const kMoves[] = {
    {{0x0f, 0x28, 0xc1}, "movaps xmm0, xmm1"},
    {{0x0f, 0x28, 0x06}, "movaps xmm0, [rsi]"},
    {{0x0f, 0x29, 0x0e}, "movaps [rsi], xmm1"},
    {{0x0f, 0x10, 0x46, 0x03}, "movups xmm0, [rsi+0x03]"},
    {{0x0f, 0x11, 0x4e, 0x05}, "movups [rsi+0x05], xmm1"},
    {{0x66, 0x0f, 0x28, 0x06}, "movapd xmm0, [rsi]"},
    {{0x66, 0x0f, 0x11, 0x0e}, "movupd [rsi], xmm1"},
    {{0x66, 0x0f, 0x6f, 0xc1}, "movdqa xmm0, xmm1"},
    {{0x66, 0x0f, 0x7f, 0x0e}, "movdqa [rsi], xmm1"},
    {{0xf3, 0x0f, 0x6f, 0x46, 0x01}, "movdqu xmm0, [rsi+0x01]"},
    {{0xf3, 0x0f, 0x7f, 0x4e, 0x07}, "movdqu [rsi+0x07], xmm1"},
    {{0xf3, 0x0f, 0x10, 0xc1}, "movss xmm0, xmm1"},
    {{0xf3, 0x0f, 0x10, 0x06}, "movss xmm0, dword ptr [rsi]"},
    {{0xf3, 0x0f, 0x11, 0x0e}, "movss [rsi], xmm1"},
    {{0xf2, 0x0f, 0x10, 0xc1}, "movsd xmm0, xmm1"},
    {{0xf2, 0x0f, 0x10, 0x06}, "movsd xmm0, qword ptr [rsi]"},
    {{0xf2, 0x0f, 0x11, 0x0e}, "movsd [rsi], xmm1"},
    {{0x0f, 0x12, 0x06}, "movlps xmm0, [rsi]"},
    {{0x0f, 0x13, 0x0e}, "movlps [rsi], xmm1"},
    {{0x0f, 0x12, 0xc1}, "movhlps xmm0, xmm1"},
    {{0x0f, 0x16, 0x06}, "movhps xmm0, [rsi]"},
    {{0x0f, 0x17, 0x0e}, "movhps qword ptr [rsi], xmm1"},
    {{0x0f, 0x16, 0xc1}, "movlhps xmm0, xmm1"},
    {{0x66, 0x0f, 0x12, 0x06}, "movlpd xmm0, [rsi]"},
    {{0x66, 0x0f, 0x17, 0x0e}, "movhpd [rsi], xmm1"},
    {{0x66, 0x0f, 0x6e, 0xc1}, "movd xmm0, ecx"},
    {{0x66, 0x0f, 0x6e, 0x06}, "movd xmm0, dword ptr [rsi]"},
    {{0x66, 0x0f, 0x7e, 0xc1}, "movd ecx, xmm0"},
    {{0x66, 0x0f, 0x7e, 0x06}, "movd [rsi], xmm0"},
    {{0x66, 0x48, 0x0f, 0x6e, 0xc1}, "movq xmm0, rcx"},
    {{0x66, 0x48, 0x0f, 0x7e, 0xc1}, "movq rcx, xmm0"},
    {{0xf3, 0x0f, 0x7e, 0xc1}, "movq xmm0, xmm1"},
    {{0xf3, 0x0f, 0x7e, 0x06}, "movq xmm0, qword ptr [rsi]"},
    {{0x66, 0x0f, 0xd6, 0x06}, "movq [rsi], xmm0"},
    {{0x66, 0x0f, 0xd6, 0xc1}, "movq xmm1, xmm0"},
    {{0x0f, 0x6e, 0xc1}, "movd mm0, ecx"},
    {{0x0f, 0x6e, 0x06}, "movd mm0, dword ptr [rsi]"},
    {{0x0f, 0x7e, 0xc1}, "movd ecx, mm0"},
    {{0x0f, 0x7e, 0x06}, "movd [rsi], mm0"},
    {{0x48, 0x0f, 0x6e, 0xc1}, "movq mm0, rcx"},
    {{0x48, 0x0f, 0x7e, 0xc1}, "movq rcx, mm0"},
    {{0x0f, 0x6f, 0xc1}, "movq mm0, mm1"},
    {{0x0f, 0x6f, 0x06}, "movq mm0, [rsi]"},
    {{0x0f, 0x7f, 0x06}, "movq [rsi], mm0"},
    {{0x0f, 0x7f, 0xc1}, "movq mm1, mm0"},
    {{0xf3, 0x0f, 0xd6, 0xc1}, "movq2dq xmm0, mm1"},
    {{0xf2, 0x0f, 0xd6, 0xc1}, "movdq2q mm0, xmm1"},
    {{0x0f, 0x50, 0xc1}, "movmskps eax, xmm1"},
    {{0x66, 0x0f, 0x50, 0xc1}, "movmskpd eax, xmm1"},
    {{0x66, 0x0f, 0xf7, 0xc1}, "maskmovdqu xmm0, xmm1"},
    {{0x0f, 0xf7, 0xc1}, "maskmovq mm0, mm1"},
    {{0x0f, 0x2b, 0x06}, "movntps [rsi], xmm0"},
    {{0x66, 0x0f, 0x2b, 0x06}, "movntpd [rsi], xmm0"},
    {{0x66, 0x0f, 0xe7, 0x06}, "movntdq [rsi], xmm0"},
    {{0x0f, 0xe7, 0x06}, "movntq [rsi], mm0"},
    {{0x0f, 0xc3, 0x0e}, "movnti [rsi], ecx"},
    {{0x48, 0x0f, 0xc3, 0x0e}, "movnti [rsi], rcx"},
};

TEST(SseMove, EveryMoveMatchesHost) {
    Harness h;
    enable_sse(h);
    Values values(ValueKind::Integer);
    for (Case const& move : kMoves) {
        ASSERT_EQ(disassembly(move.code), move.text);
        for (unsigned round = 0; round < 8; ++round) {
            SimdState state = values.state(kMxcsrDefault);
            if (round % 2 == 1)
                state.fpu.fsw = 5 << 11; // TOP = 5: MMX forms must rotate the stack
            ASSERT_EQ(compare_with_host(h, move.code, state), "") << "round " << round;
        }
    }
}

TEST(SseMove, AlignedFormsFaultOnMisalignedOperands) {
    Harness h;
    enable_sse(h);
    SimdState state;
    state.fpu.xmm[1] = {0x1111, 0x2222};
    for (std::vector<uint8_t> const& code : {
             std::vector<uint8_t>{0x0f, 0x28, 0x46, 0x08},       // movaps xmm0, [rsi+8]
             std::vector<uint8_t>{0x66, 0x0f, 0x7f, 0x4e, 0x04}, // movdqa [rsi+4], xmm1
             std::vector<uint8_t>{0x0f, 0x2b, 0x4e, 0x01},       // movntps [rsi+1], xmm1
         }) {
        auto const run = run_emulated(h, code, state);
        ASSERT_EQ(run.result.status, ExecStatus::Exception) << disassembly(code);
        EXPECT_EQ(run.result.fault.vector, 13);
        EXPECT_EQ(run.state.data, state.data); // nothing stored
    }
}

TEST(SseMove, UnalignedAccessAcrossAPageBoundary) {
    Harness h;
    enable_sse(h);
    uint64_t const address = Harness::kDataAddress + 4096 - 6;
    for (unsigned i = 0; i < 16; ++i)
        h.write<uint8_t>(address + i, static_cast<uint8_t>(0x10 + i));
    h.reg(x86::Gpr::Rsi) = address;
    ASSERT_EQ(h.run({0xf3, 0x0f, 0x6f, 0x06,        // movdqu xmm0, [rsi]
                     0xf3, 0x0f, 0x7f, 0x46, 0x20}) // movdqu [rsi+0x20], xmm0
                  .status,
              ExecStatus::Halted);
    EXPECT_EQ(h.cpu.fpu.xmm[0].lo, 0x1716151413121110ULL);
    EXPECT_EQ(h.cpu.fpu.xmm[0].hi, 0x1f1e1d1c1b1a1918ULL);
    EXPECT_EQ(h.read<uint64_t>(address + 0x28), 0x1f1e1d1c1b1a1918ULL);
}

// MASKMOVDQU writes only the bytes whose mask byte has its top bit set, at DS:RDI.
TEST(SseMove, MaskedStoreWritesSelectedBytesOnly) {
    Harness h;
    enable_sse(h);
    SimdState state;
    state.data.fill(0xee);
    state.fpu.xmm[0] = {0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
    state.fpu.xmm[1] = {0x00000000'80ff0080ULL, 0x80000000'00000000ULL};
    std::vector<uint8_t> const code{0x66, 0x0f, 0xf7, 0xc1}; // maskmovdqu xmm0, xmm1
    auto const run = run_emulated(h, code, state);
    auto expected = state.data;
    expected[0] = 0x00;
    expected[2] = 0x02;
    expected[3] = 0x03;
    expected[15] = 0x0f;
    EXPECT_EQ(run.state.data, expected);
    EXPECT_EQ(compare_with_host(h, code, state), "");
}

} // namespace
} // namespace vireo::emu::test
