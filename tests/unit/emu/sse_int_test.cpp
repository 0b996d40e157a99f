// SSE2 and MMX packed integers against the host processor: every operation of the 0F 60-7F
// and 0F D0-FF rows (Intel SDM Vol. 2 Table A-3) with XMM (66 prefix) and MMX registers, from
// registers and from memory, shifts by register and by immediate, PSHUF*, PINSRW/PEXTRW,
// PMOVMSKB. MMX runs start from an x87 stack with TOP != 0 and some registers empty, so the
// transition to MMX state (TOP = 0, all tags valid, exponents all ones) is checked too.
#include <gtest/gtest.h>

#include "sse_values.h"

namespace vireo::emu::test {
namespace {

constexpr uint8_t kOperandSize = 0x66;
constexpr uint8_t kRegReg = 0xc1; // xmm0/mm0, xmm1/mm1
constexpr uint8_t kRegMem = 0x06; // xmm0/mm0, [rsi]

// An x87 stack with TOP = 3 and R2, R5 empty, as a program that mixes x87 and MMX leaves it.
void scramble_x87(SimdState& state) {
    state.fpu.fsw = 3 << 11;
    state.fpu.ftw = 0xdb;
}

void check(std::vector<uint8_t> const& code, unsigned rounds = 16, bool small_counts = false) {
    Harness h;
    enable_sse(h);
    Values values(ValueKind::Integer, code.size() * 131 + code.back());
    for (unsigned round = 0; round < rounds; ++round) {
        SimdState state = values.state(kMxcsrDefault);
        for (Reg128& st : state.fpu.st)
            st = {values.raw(), values.raw() & 0xffff};
        if (round % 2 == 1)
            scramble_x87(state);
        if (small_counts) {
            // Shift counts around the element widths, in registers and in memory.
            uint64_t const count = values.raw() % 70;
            state.fpu.xmm[1].lo = count;
            state.fpu.st[(1 - (state.fpu.fsw >> 11)) & 7].lo = count;
            std::memcpy(state.data.data(), &count, 8);
        }
        ASSERT_EQ(compare_with_host(h, code, state), "") << "round " << round;
    }
}

// Opcodes valid with both MMX and XMM operands.
constexpr uint8_t kBoth[] = {0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b,
                             0x74, 0x75, 0x76, 0xd4, 0xd5, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde,
                             0xdf, 0xe0, 0xe3, 0xe4, 0xe5, 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee,
                             0xef, 0xf4, 0xf5, 0xf6, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe};
// Shifts by a register or memory count: PSRLW/D/Q D1-D3, PSRAW/D E1-E2, PSLLW/D/Q F1-F3.
constexpr uint8_t kShifts[] = {0xd1, 0xd2, 0xd3, 0xe1, 0xe2, 0xf1, 0xf2, 0xf3};

TEST(SseInt, XmmOperationsMatchHost) {
    for (uint8_t const opcode : kBoth)
        for (uint8_t const modrm : {kRegReg, kRegMem})
            check({kOperandSize, 0x0f, opcode, modrm});
    // PUNPCKLQDQ 6C, PUNPCKHQDQ 6D exist only for XMM; so do UNPCKLPx 14 and UNPCKHPx 15.
    for (uint8_t const opcode : {0x6c, 0x6d, 0x14, 0x15})
        for (uint8_t const modrm : {kRegReg, kRegMem}) {
            check({kOperandSize, 0x0f, opcode, modrm});
            if (opcode < 0x20)
                check({0x0f, opcode, modrm});
        }
}

TEST(SseInt, MmxOperationsMatchHost) {
    for (uint8_t const opcode : kBoth)
        for (uint8_t const modrm : {kRegReg, kRegMem})
            check({0x0f, opcode, modrm});
}

TEST(SseInt, ShiftsByRegisterMatchHost) {
    for (uint8_t const opcode : kShifts)
        for (uint8_t const modrm : {kRegReg, kRegMem}) {
            check({kOperandSize, 0x0f, opcode, modrm}, 24, true);
            check({0x0f, opcode, modrm}, 24, true);
        }
}

TEST(SseInt, ShiftsByImmediateMatchHost) {
    // 0F 71/72/73 with ModRM.reg 2 (PSRL), 4 (PSRA), 6 (PSLL), and for XMM 73 /3 (PSRLDQ) and
    // 73 /7 (PSLLDQ); the immediate is 0, 1, a width minus one, a width, and 255.
    struct Form {
        uint8_t group, reg;
        bool xmm_only;
    };
    constexpr Form kForms[] = {
        {0x71, 2, false}, {0x71, 4, false}, {0x71, 6, false}, {0x72, 2, false}, {0x72, 4, false},
        {0x72, 6, false}, {0x73, 2, false}, {0x73, 6, false}, {0x73, 3, true},  {0x73, 7, true}};
    for (Form const form : kForms)
        for (uint8_t const count : {0, 1, 7, 15, 16, 31, 33, 63, 64, 255}) {
            auto const modrm = static_cast<uint8_t>(0xc0 | form.reg << 3 | 2); // xmm2 / mm2
            check({kOperandSize, 0x0f, form.group, modrm, count}, 2);
            if (!form.xmm_only)
                check({0x0f, form.group, modrm, count}, 2);
        }
}

TEST(SseInt, ShufflesMatchHost) {
    for (uint8_t const selector : {0x00, 0x1b, 0xe4, 0x4e, 0xff})
        for (uint8_t const modrm : {kRegReg, kRegMem}) {
            check({kOperandSize, 0x0f, 0x70, modrm, selector}, 4); // pshufd xmm0, xmm1, imm
            check({0xf3, 0x0f, 0x70, modrm, selector}, 4);         // pshufhw xmm0, xmm1, imm
            check({0xf2, 0x0f, 0x70, modrm, selector}, 4);         // pshuflw xmm0, xmm1, imm
            check({0x0f, 0x70, modrm, selector}, 4);               // pshufw mm0, mm1, imm
            check({0x0f, 0xc6, modrm, selector}, 4);               // shufps xmm0, xmm1, imm
            check({kOperandSize, 0x0f, 0xc6, modrm, selector}, 4); // shufpd xmm0, xmm1, imm
        }
}

TEST(SseInt, WordInsertExtractAndByteMaskMatchHost) {
    for (uint8_t const index : {0, 3, 5, 7, 0x0d}) {
        check({kOperandSize, 0x0f, 0xc4, 0xc1, index}, 4); // pinsrw xmm0, ecx, imm
        check({kOperandSize, 0x0f, 0xc4, 0x06, index}, 4); // pinsrw xmm0, word [rsi], imm
        check({0x0f, 0xc4, 0xc1, index}, 4);               // pinsrw mm0, ecx, imm
        check({0x0f, 0xc4, 0x06, index}, 4);               // pinsrw mm0, word [rsi], imm
        check({kOperandSize, 0x0f, 0xc5, 0xc1, index}, 4); // pextrw eax, xmm1, imm
        check({0x48, 0x0f, 0xc5, 0xc1, index}, 4);         // pextrw rax, mm1, imm
    }
    check({kOperandSize, 0x0f, 0xd7, 0xc1}); // pmovmskb eax, xmm1
    check({0x0f, 0xd7, 0xc1});               // pmovmskb eax, mm1
    check({0x0f, 0x77});                     // emms
}

TEST(SseInt, MisalignedXmmMemoryOperandFaultsButMmxDoesNot) {
    Harness h;
    enable_sse(h);
    SimdState const state;
    auto const run = run_emulated(h, {0x66, 0x0f, 0xfc, 0x46, 0x08}, state); // paddb xmm0, [rsi+8]
    ASSERT_EQ(run.result.status, ExecStatus::Exception);
    EXPECT_EQ(run.result.fault.vector, 13);
    EXPECT_EQ(compare_with_host(h, {0x0f, 0xfc, 0x46, 0x03}, state), ""); // paddb mm0, [rsi+3]
}

// A fault on the memory operand leaves the x87 state alone: the MMX transition comes after.
TEST(SseInt, MmxFaultKeepsX87State) {
    Harness h;
    SimdState state;
    scramble_x87(state);
    h.reg(x86::Gpr::Rsi) = 1ULL << 63; // not canonical: #GP
    h.cpu.fpu = state.fpu;
    auto const result = h.run({0x0f, 0xfc, 0x06}); // paddb mm0, [rsi]
    ASSERT_EQ(result.status, ExecStatus::Exception);
    EXPECT_EQ(result.fault.vector, 13);
    EXPECT_EQ(h.cpu.fpu.fsw, state.fpu.fsw);
    EXPECT_EQ(h.cpu.fpu.ftw, state.fpu.ftw);
}

// EMMS empties every register; a pending x87 exception makes MMX instructions #MF.
TEST(SseInt, EmmsAndPendingX87Exception) {
    Harness h;
    SimdState state;
    state.fpu.ftw = 0xff;
    auto const emms = run_emulated(h, {0x0f, 0x77}, state); // emms
    EXPECT_EQ(emms.state.fpu.ftw, 0);

    state.fpu.fcw = 0x37e;                                           // invalid unmasked
    state.fpu.fsw = 0x8081;                                          // IE, ES, B: pending
    auto const pending = run_emulated(h, {0x0f, 0xfc, 0xc1}, state); // paddb mm0, mm1
    ASSERT_EQ(pending.result.status, ExecStatus::Exception);
    EXPECT_EQ(pending.result.fault.vector, 16);
}

} // namespace
} // namespace vireo::emu::test
