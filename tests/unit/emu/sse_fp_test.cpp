// SSE/SSE2 floating point against the host processor: arithmetic, MIN/MAX, SQRT, RCP/RSQRT,
// CMPxx with every predicate and COMIS/UCOMIS, over special values (zeros, denormals,
// infinities, QNaNs and SNaNs with payloads, extremes) in every MXCSR rounding mode with and
// without DAZ/FTZ. Unmasked exceptions, which the host cannot run without a signal, are checked
// against the rules of Intel SDM Vol. 1 11.5.
#include <limits>

#include <gtest/gtest.h>

#include "sse_values.h"

namespace vireo::emu::test {
namespace {

constexpr uint8_t kPrefixPs = 0, kPrefixSs = 0xf3, kPrefixPd = 0x66, kPrefixSd = 0xf2;
// ModRM 0xc1: xmm0, xmm1; 0x06: xmm0, [rsi].
constexpr uint8_t kRegReg = 0xc1, kRegMem = 0x06;

std::vector<uint8_t> encode(uint8_t prefix, uint8_t opcode, uint8_t modrm) {
    if (prefix == 0)
        return {0x0f, opcode, modrm};
    return {prefix, 0x0f, opcode, modrm};
}

// Compares `code` with the host over many operand pairs and every MXCSR mode.
void check_against_host(std::vector<uint8_t> const& code, ValueKind kind) {
    Harness h;
    enable_sse(h);
    Values values(kind);
    for (uint32_t const mxcsr : kMxcsrModes) {
        for (unsigned round = 0; round < 24; ++round) {
            SimdState const state = values.state(mxcsr);
            std::string const diff = compare_with_host(h, code, state);
            ASSERT_EQ(diff, "") << "MXCSR " << std::hex << mxcsr << ", round " << std::dec << round;
        }
    }
}

// Opcodes of Intel SDM Vol. 2 Table A-3 (0F 5x): ADD 58, MUL 59, SUB 5C, MIN 5D, DIV 5E,
// MAX 5F, SQRT 51, with no prefix (ps), F3 (ss), 66 (pd), F2 (sd).
constexpr uint8_t kArithmetic[] = {0x58, 0x59, 0x5c, 0x5d, 0x5e, 0x5f, 0x51};

TEST(SseFp, ArithmeticMatchesHostSingle) {
    for (uint8_t const opcode : kArithmetic)
        for (uint8_t const prefix : {kPrefixPs, kPrefixSs})
            for (uint8_t const modrm : {kRegReg, kRegMem})
                check_against_host(encode(prefix, opcode, modrm), ValueKind::Single);
}

TEST(SseFp, ArithmeticMatchesHostDouble) {
    for (uint8_t const opcode : kArithmetic)
        for (uint8_t const prefix : {kPrefixPd, kPrefixSd})
            for (uint8_t const modrm : {kRegReg, kRegMem})
                check_against_host(encode(prefix, opcode, modrm), ValueKind::Double);
}

TEST(SseFp, ReciprocalApproximationsMatchHost) {
    // RCPPS 0F 53, RSQRTPS 0F 52 and their F3 scalar forms: the approximation is the CPU's.
    for (uint8_t const opcode : {0x52, 0x53})
        for (uint8_t const prefix : {kPrefixPs, kPrefixSs})
            for (uint8_t const modrm : {kRegReg, kRegMem})
                check_against_host(encode(prefix, opcode, modrm), ValueKind::Single);
}

TEST(SseFp, ComparePredicatesMatchHost) {
    // CMPPS/CMPSS/CMPPD/CMPSD xmm0, xmm1/[rsi], imm8 (0F C2): all eight predicates, and an
    // imm8 with reserved bits set.
    for (uint8_t const prefix : {kPrefixPs, kPrefixSs, kPrefixPd, kPrefixSd}) {
        ValueKind const kind =
            prefix == kPrefixPs || prefix == kPrefixSs ? ValueKind::Single : ValueKind::Double;
        for (uint8_t const modrm : {kRegReg, kRegMem})
            for (uint8_t const predicate : {0, 1, 2, 3, 4, 5, 6, 7, 0x0b}) {
                std::vector<uint8_t> code = encode(prefix, 0xc2, modrm);
                code.push_back(predicate);
                check_against_host(code, kind);
            }
    }
}

TEST(SseFp, ComisAndUcomisFlagsMatchHost) {
    // UCOMISS 0F 2E, COMISS 0F 2F; 66-prefixed: UCOMISD, COMISD.
    for (uint8_t const opcode : {0x2e, 0x2f}) {
        for (uint8_t const modrm : {kRegReg, kRegMem}) {
            check_against_host(encode(kPrefixPs, opcode, modrm), ValueKind::Single);
            check_against_host(encode(kPrefixPd, opcode, modrm), ValueKind::Double);
        }
    }
}

TEST(SseFp, LogicOnFloatsMatchesHost) {
    // ANDPS 54, ANDNPS 55, ORPS 56, XORPS 57 and the 66 (pd) forms.
    for (uint8_t const opcode : {0x54, 0x55, 0x56, 0x57})
        for (uint8_t const prefix : {kPrefixPs, kPrefixPd})
            check_against_host(encode(prefix, opcode, kRegMem), ValueKind::Single);
}

// With both operands NaN the first source's NaN is the result (Intel SDM Vol. 1 4.8.3.5,
// Table 4-7); an SNaN comes back quieted and raises #IA.
TEST(SseFp, NanPropagationTakesFirstSource) {
    Harness h;
    enable_sse(h);
    SimdState state;
    state.fpu.xmm[0] = {0x7fc11111'7fa22222ULL, 0}; // lanes 0, 1: SNaN 0x7fa22222, QNaN
    state.fpu.xmm[1] = {0x7f833333'7fc44444ULL, 0}; // lanes 0, 1: QNaN, SNaN
    auto const run = run_emulated(h, {0x0f, 0x58, 0xc1}, state); // addps xmm0, xmm1
    ASSERT_EQ(run.result.status, ExecStatus::Halted);
    EXPECT_EQ(run.state.fpu.xmm[0].lo, 0x7fc11111'7fe22222ULL);
    EXPECT_EQ(run.state.fpu.mxcsr, 0x1f80U | kMxcsrIe);
    EXPECT_EQ(compare_with_host(h, {0x0f, 0x58, 0xc1}, state), "");
}

// An unmasked exception delivers #XM with CR4.OSXMMEXCPT (#UD without), sets its flag and
// leaves the destination alone (Intel SDM Vol. 1 11.5.1).
TEST(SseFp, UnmaskedZeroDivideRaisesSimdException) {
    Harness h;
    enable_sse(h);
    SimdState state;
    state.fpu.mxcsr = 0x1f80 & ~kMxcsrZm;
    uint64_t const ones = bits(1.0f) | uint64_t{bits(1.0f)} << 32;
    state.fpu.xmm[0] = {bits(1.0f) | uint64_t{bits(2.0f)} << 32, ones};
    state.fpu.xmm[1] = {bits(0.0f) | uint64_t{bits(1.0f)} << 32, ones};
    auto const run = run_emulated(h, {0x0f, 0x5e, 0xc1}, state); // divps xmm0, xmm1
    ASSERT_EQ(run.result.status, ExecStatus::Exception);
    EXPECT_EQ(run.result.fault.vector, 19);
    EXPECT_EQ(run.state.fpu.mxcsr, state.fpu.mxcsr | kMxcsrZe);
    EXPECT_EQ(run.state.fpu.xmm[0].lo, state.fpu.xmm[0].lo);
    EXPECT_EQ(h.cpu.rip(), Harness::kCodeAddress); // the fault points at the instruction

    h.cpu.cr4 = x86::kCr4Osfxsr; // no OSXMMEXCPT
    auto const without = run_emulated(h, {0x0f, 0x5e, 0xc1}, state);
    ASSERT_EQ(without.result.status, ExecStatus::Exception);
    EXPECT_EQ(without.result.fault.vector, 6);
}

// A pre-computation exception that is unmasked suppresses the computation: only the
// pre-computation flags of all lanes are set; otherwise all flags found are (11.5.2).
TEST(SseFp, UnmaskedExceptionFlagsFollowPreComputationRule) {
    Harness h;
    enable_sse(h);
    SimdState state;
    state.fpu.mxcsr = 0x1f80 & ~(kMxcsrIm | kMxcsrOm);
    // Lane 0: 0 * infinity (invalid); lane 1: 3e38 * 2 (overflow); lanes 2-3: 1 * 1.
    uint64_t const ones = bits(1.0f) | uint64_t{bits(1.0f)} << 32;
    float const infinity = std::numeric_limits<float>::infinity();
    state.fpu.xmm[0] = {bits(0.0f) | uint64_t{bits(3e38f)} << 32, ones};
    state.fpu.xmm[1] = {bits(infinity) | uint64_t{bits(2.0f)} << 32, ones};
    auto const both = run_emulated(h, {0x0f, 0x59, 0xc1}, state); // mulps xmm0, xmm1
    ASSERT_EQ(both.result.fault.vector, 19);
    EXPECT_EQ(both.state.fpu.mxcsr, state.fpu.mxcsr | kMxcsrIe);

    state.fpu.xmm[1].lo = bits(1.0f) | uint64_t{bits(2.0f)} << 32; // only the overflow
    auto const post = run_emulated(h, {0x0f, 0x59, 0xc1}, state);
    ASSERT_EQ(post.result.fault.vector, 19);
    EXPECT_EQ(post.state.fpu.mxcsr, state.fpu.mxcsr | kMxcsrOe);
    EXPECT_EQ(post.state.fpu.xmm[0].lo, state.fpu.xmm[0].lo);
}

// A trapped overflow or underflow reports precision by the result with an unbounded
// exponent (what the handler would get, IEEE 754-1985 7.3): 3e38 * 2 is exact there,
// 3e38 * 3 is not; 2^-1022 narrowed to single is exact, 1e-40 is not (all observed on
// hardware with SIGFPE).
TEST(SseFp, TrappedOverflowAndUnderflowPrecisionIsUnbounded) {
    Harness h;
    enable_sse(h);
    SimdState state;
    state.fpu.mxcsr = kMxcsrDefault & ~(kMxcsrOm | kMxcsrUm);
    state.fpu.xmm[0] = {bits(3e38f), 0};
    state.fpu.xmm[1] = {bits(3.0f), 0};
    auto const times3 = run_emulated(h, {0xf3, 0x0f, 0x59, 0xc1}, state); // mulss xmm0, xmm1
    EXPECT_EQ(times3.state.fpu.mxcsr, state.fpu.mxcsr | kMxcsrOe | kMxcsrPe);

    for (double const value : {0x1p-1022, 1e-40}) {
        state.fpu.xmm[1] = {bits(value), 0};
        auto const narrow = run_emulated(h, {0xf2, 0x0f, 0x5a, 0xc1}, state); // cvtsd2ss
        ASSERT_EQ(narrow.result.fault.vector, 19);
        uint32_t const precision = value == 0x1p-1022 ? 0 : kMxcsrPe;
        EXPECT_EQ(narrow.state.fpu.mxcsr, state.fpu.mxcsr | kMxcsrUe | precision) << value;
    }
}

// Masked, an exact tiny result is not an underflow; unmasked it is (Intel SDM Vol. 1
// 11.5.2.5). 2^-126 * 0.5 is exactly 2^-127, a denormal.
TEST(SseFp, UnmaskedUnderflowCatchesExactTinyResults) {
    Harness h;
    enable_sse(h);
    SimdState state;
    state.fpu.xmm[0] = {bits(0x1p-126f), 0};
    state.fpu.xmm[1] = {bits(0.5f), 0};
    auto const masked = run_emulated(h, {0xf3, 0x0f, 0x59, 0xc1}, state); // mulss xmm0, xmm1
    ASSERT_EQ(masked.result.status, ExecStatus::Halted);
    EXPECT_EQ(masked.state.fpu.mxcsr, 0x1f80U);
    EXPECT_EQ(masked.state.fpu.xmm[0].lo, bits(0x1p-127f));

    state.fpu.mxcsr = 0x1f80 & ~kMxcsrUm;
    auto const unmasked = run_emulated(h, {0xf3, 0x0f, 0x59, 0xc1}, state);
    ASSERT_EQ(unmasked.result.fault.vector, 19);
    EXPECT_EQ(unmasked.state.fpu.mxcsr, state.fpu.mxcsr | kMxcsrUe);
}

TEST(SseFp, RoundingControlAndFlushToZero) {
    Harness h;
    enable_sse(h);
    SimdState state;
    state.fpu.xmm[0] = {bits(1.0f), 0};
    state.fpu.xmm[1] = {bits(3.0f), 0};
    std::vector<uint8_t> const divss{0xf3, 0x0f, 0x5e, 0xc1}; // divss xmm0, xmm1
    state.fpu.mxcsr = 0x1f80 | kMxcsrRoundUp;
    auto const up = run_emulated(h, divss, state);
    state.fpu.mxcsr = 0x1f80 | kMxcsrRoundDown;
    auto const down = run_emulated(h, divss, state);
    EXPECT_EQ(up.state.fpu.xmm[0].lo, down.state.fpu.xmm[0].lo + 1); // one ulp apart
    EXPECT_EQ(up.state.fpu.mxcsr & kMxcsrFlagBits, kMxcsrPe);

    state.fpu.xmm[0] = {bits(0x1p-126f), 0};
    state.fpu.xmm[1] = {bits(4.0f), 0};
    state.fpu.mxcsr = 0x1f80 | kMxcsrFtz;
    auto const flushed = run_emulated(h, divss, state);
    EXPECT_EQ(flushed.state.fpu.xmm[0].lo, 0U);
    EXPECT_EQ(flushed.state.fpu.mxcsr & kMxcsrFlagBits, kMxcsrUe | kMxcsrPe);
    EXPECT_EQ(compare_with_host(h, divss, state), "");
}

TEST(SseFp, MisalignedPackedOperandIsGeneralProtection) {
    Harness h;
    enable_sse(h);
    SimdState state;
    auto const run = run_emulated(h, {0x0f, 0x58, 0x46, 0x01}, state); // addps xmm0, [rsi+1]
    ASSERT_EQ(run.result.status, ExecStatus::Exception);
    EXPECT_EQ(run.result.fault.vector, 13);
    // Scalar operands have no alignment requirement.
    EXPECT_EQ(compare_with_host(h, {0xf3, 0x0f, 0x58, 0x46, 0x01}, state), ""); // addss [rsi+1]
}

TEST(SseFp, DisabledSseIsUndefinedAndTaskSwitchedIsDeviceNotAvailable) {
    Harness h;
    h.cpu.cr4 = 0;
    EXPECT_EQ(h.run({0x0f, 0x58, 0xc1}).fault.vector, 6); // addps xmm0, xmm1 without OSFXSR
    h.cpu.cr4 = x86::kCr4Osfxsr;
    h.cpu.cr0 |= x86::kCr0Ts;
    EXPECT_EQ(h.run({0x0f, 0x58, 0xc1}).fault.vector, 7);
}

} // namespace
} // namespace vireo::emu::test
