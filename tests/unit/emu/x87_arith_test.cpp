// x87 instructions against the host processor. Each instruction runs from random stacks
// (random TOP and tags, so stack underflow and overflow occur, masked and unmasked), special
// values, and every precision and rounding control: the emulator must leave the same FXSAVE
// image (registers, tags, TOP, condition codes, exception flags, ES/B), EFLAGS and memory as
// the host. Opcode groups follow Intel SDM Vol. 2 Appendix A.4 (x87 escape opcodes).
#include <cstring>
#include <span>

#include <gtest/gtest.h>

#include "x87_values.h"

namespace vireo::emu::test {
namespace {

// Control words with every exception masked, for instruction sequences: natively, an
// unmasked exception of one instruction would trap in the next.
constexpr uint16_t kMaskedControlWords[] = {0x037f, 0x007f, 0x027f, 0x077f, 0x0b7f, 0x0f7f};

void check(std::vector<uint8_t> const& code, unsigned rounds = 6,
           std::span<uint16_t const> controls = kControlWords) {
    Harness h;
    X87Values values(static_cast<uint32_t>(code[0] * 256 + code[1]));
    for (uint16_t const control : controls)
        for (unsigned round = 0; round < rounds; ++round) {
            SimdState const state = values.state(control);
            ASSERT_EQ(compare_with_host(h, code, state), "")
                << "FCW " << std::hex << control << " round " << std::dec << round;
        }
}

// Register forms: D8/DC/DE C0-FF are the arithmetic and compare forms with ST(i), D9 C0-CF
// FLD/FXCH, DD C0-EF FFREE/FST/FSTP/FUCOM(P), DA/DB C0-DF FCMOVcc, DB/DF E8-F7 F(U)COMI(P).
TEST(X87, RegisterFormsMatchHost) {
    for (uint8_t const escape : {0xd8, 0xdc, 0xde})
        for (unsigned modrm = 0xc0; modrm <= 0xff; modrm += 3)
            if (escape != 0xde || (modrm & 0xf8) != 0xd8 || modrm == 0xd9)
                check({escape, static_cast<uint8_t>(modrm)});
    for (unsigned modrm = 0xc0; modrm <= 0xcf; modrm += 3)
        check({0xd9, static_cast<uint8_t>(modrm)});
    for (unsigned modrm = 0xc0; modrm <= 0xef; modrm += 3)
        if ((modrm & 0xf8) != 0xc8)
            check({0xdd, static_cast<uint8_t>(modrm)});
    for (uint8_t const escape : {0xda, 0xdb})
        for (unsigned modrm = 0xc0; modrm <= 0xdf; modrm += 3)
            check({escape, static_cast<uint8_t>(modrm)});
    check({0xda, 0xe9}); // fucompp
    for (uint8_t const escape : {0xdb, 0xdf})
        for (unsigned modrm = 0xe8; modrm <= 0xf7; modrm += 3)
            check({escape, static_cast<uint8_t>(modrm)});
    check({0xdf, 0xc1}); // ffreep st1
}

// D9 D0 and E0-FF: FNOP, FCHS, FABS, FTST, FXAM, the constants, F2XM1, FYL2X, FPTAN, FPATAN,
// FXTRACT, FPREM1, FDECSTP, FINCSTP, FPREM, FYL2XP1, FSQRT, FSINCOS, FRNDINT, FSCALE, FSIN,
// FCOS.
TEST(X87, StackTopFormsMatchHost) {
    check({0xd9, 0xd0});
    // The 287 leftovers FENI, FDISI, FSETPM (DB E0, E1, E4) and the undocumented aliases
    // FXCH4 (DD C8+i), FXCH7 (DF C8+i), FSTP8/9 (DF D0+i, DF D8+i).
    for (uint8_t const modrm : {0xe0, 0xe1, 0xe4})
        check({0xdb, modrm});
    check({0xdd, 0xc9});
    check({0xdf, 0xca});
    check({0xdf, 0xd1});
    check({0xdf, 0xdc});
    for (unsigned modrm = 0xe0; modrm <= 0xff; ++modrm)
        if (modrm != 0xe2 && modrm != 0xe3 && modrm != 0xe6 && modrm != 0xe7 && modrm != 0xef)
            check({0xd9, static_cast<uint8_t>(modrm)});
}

// Memory forms with [rsi]: ModRM.reg selects the operation (0x06 | reg << 3).
TEST(X87, ArithmeticAndCompareWithMemoryMatchHost) {
    for (uint8_t const escape : {0xd8, 0xdc, 0xda, 0xde}) // m32fp, m64fp, m32int, m16int
        for (uint8_t reg = 0; reg < 8; ++reg)
            check({escape, static_cast<uint8_t>(0x06 | reg << 3)});
}

TEST(X87, LoadsAndStoresMatchHost) {
    constexpr uint8_t kForms[][2] = {
        {0xd9, 0x06}, {0xd9, 0x16}, {0xd9, 0x1e}, // fld, fst, fstp m32fp
        {0xdd, 0x06}, {0xdd, 0x16}, {0xdd, 0x1e}, // fld, fst, fstp m64fp
        {0xdb, 0x2e}, {0xdb, 0x3e},               // fld, fstp m80fp
        {0xdf, 0x06}, {0xdf, 0x16}, {0xdf, 0x1e}, // fild, fist, fistp m16int
        {0xdb, 0x06}, {0xdb, 0x16}, {0xdb, 0x1e}, // fild, fist, fistp m32int
        {0xdf, 0x2e}, {0xdf, 0x3e},               // fild, fistp m64int
        {0xdf, 0x26}, {0xdf, 0x36},               // fbld, fbstp
    };
    for (auto const& form : kForms)
        check({form[0], form[1]}, 12);
}

// FLD of an SNaN with #IA unmasked pushes nothing, and still clears C1: there was no stack
// overflow (Intel SDM Vol. 2A "FLD", FPU Flags Affected). Found by bench/difftest-long.
TEST(X87, UnmaskedInvalidLoadClearsC1) {
    Harness h;
    constexpr uint32_t kSignalingNan = 0x7fa00000;
    constexpr uint16_t kFswC1Top3 = 0x1a00; // C1 set, TOP = 3
    for (uint8_t const ftw : {0x00, 0xc2}) {
        SimdState state;
        state.fpu.fcw = 0x037e; // invalid operation unmasked
        state.fpu.fsw = kFswC1Top3;
        state.fpu.ftw = ftw;
        std::memcpy(state.data.data(), &kSignalingNan, sizeof(kSignalingNan));
        EXPECT_EQ(compare_with_host(h, {0xd9, 0x06}, state), ""); // fld dword [rsi]
        EmulatedRun const run = run_emulated(h, {0xd9, 0x06}, state);
        EXPECT_EQ(run.state.fpu.fsw & 0x0200, 0) << "C1";
    }
}

// An instruction sequence: intermediate results stay in the emulator's registers.
TEST(X87, SequencesMatchHost) {
    // fld1; fldpi; faddp; fsqrt; fstp qword [rsi]
    check({0xd9, 0xe8, 0xd9, 0xeb, 0xde, 0xc1, 0xd9, 0xfa, 0xdd, 0x1e}, 12, kMaskedControlWords);
    // fild word [rsi]; fmul dword [rsi+8]; fistp dword [rsi+16]; fincstp
    check({0xdf, 0x06, 0xd8, 0x4e, 0x08, 0xdb, 0x5e, 0x10, 0xd9, 0xf7}, 12, kMaskedControlWords);
}

// FSTP1 (D9 D8+i, undocumented) is FSTP ST(i) while ST(0) is in use.
TEST(X87, UndocumentedFstpAliasOnAFullStack) {
    Harness h;
    X87Values values(5);
    for (unsigned round = 0; round < 16; ++round) {
        SimdState state = values.state(0x037f);
        state.fpu.ftw = 0xff;
        ASSERT_EQ(compare_with_host(h, {0xd9, 0xdb}, state), ""); // fstp1 st3
    }
}

// Masked stack underflow: IE and SF with C1 = 0 and the indefinite as result (Intel SDM Vol. 1
// 8.5.1.1). Unmasked: nothing changes but ES and B, and the next x87 instruction takes #MF.
TEST(X87, StackUnderflowMaskedAndUnmasked) {
    Harness h;
    SimdState state;
    state.fpu.ftw = 0;
    auto const masked = run_emulated(h, {0xd8, 0xc1}, state); // fadd st0, st1
    EXPECT_EQ(masked.state.fpu.fsw, 0x0041);
    EXPECT_EQ(masked.state.fpu.st[0].lo, 0xc000000000000000ULL);
    EXPECT_EQ(masked.state.fpu.st[0].hi & 0xffff, 0xffffU);
    EXPECT_EQ(masked.state.fpu.ftw, 0x01);

    state.fpu.fcw = 0x37e;
    auto const unmasked = run_emulated(h, {0xd8, 0xc1, 0xd9, 0xe8}, state); // fadd; fld1
    ASSERT_EQ(unmasked.result.status, ExecStatus::Exception);
    EXPECT_EQ(unmasked.result.fault.vector, 16); // #MF at the FLD1
    EXPECT_EQ(h.cpu.rip(), Harness::kCodeAddress + 2);
    EXPECT_EQ(unmasked.state.fpu.fsw, 0x80c1);
    EXPECT_EQ(unmasked.state.fpu.ftw, 0);
}

TEST(X87, StackOverflowPushesIndefinite) {
    Harness h;
    SimdState state;
    state.fpu.ftw = 0xff;
    auto const run = run_emulated(h, {0xd9, 0xe8}, state); // fld1
    EXPECT_EQ(run.state.fpu.fsw, (7 << 11) | 0x0241);      // TOP 7, C1, SF, IE
    EXPECT_EQ(run.state.fpu.st[0].lo, 0xc000000000000000ULL);
    EXPECT_EQ(compare_with_host(h, {0xd9, 0xe8}, state), "");
}

// Precision control rounds FADD's significand to 24 bits: 1 + 2^-30 becomes 1.
TEST(X87, PrecisionControlRoundsResults) {
    Harness h;
    SimdState state;
    state.fpu.fcw = 0x007f; // single precision
    state.fpu.ftw = 0x03;
    set_st(state, 0, 1.0L);
    set_st(state, 1, 0x1p-30L);
    auto const run = run_emulated(h, {0xd8, 0xc1}, state); // fadd st0, st1
    EXPECT_EQ(get_st(run.state, 0), 1.0L);
    EXPECT_EQ(run.state.fpu.fsw & 0x3f, 0x20); // PE

    state.fpu.fcw = 0x037f;
    auto const extended = run_emulated(h, {0xd8, 0xc1}, state);
    EXPECT_EQ(get_st(extended.state, 0), 1.0L + 0x1p-30L);
}

TEST(X87, X87InstructionsRespectCr0EmAndTs) {
    Harness h;
    h.cpu.cr0 |= x86::kCr0Ts;
    EXPECT_EQ(h.run({0xd9, 0xe8}).fault.vector, 7); // fld1
    h.cpu.cr0 = (h.cpu.cr0 & ~x86::kCr0Ts) | x86::kCr0Em;
    EXPECT_EQ(h.run({0xd9, 0xe8}).fault.vector, 7);
}

} // namespace
} // namespace vireo::emu::test
