// Shifts, rotates, multiplication, division and bit instructions, including the edge cases
// of Intel SDM Vol. 2: counts of 0 and above the width, #DE, BSF of zero.
#include <gtest/gtest.h>

#include "harness.h"

namespace vireo::emu::test {
namespace {

using x86::Gpr;
constexpr uint64_t CF = x86::kFlagCf, PF = x86::kFlagPf, ZF = x86::kFlagZf, SF = x86::kFlagSf,
                   OF = x86::kFlagOf;
constexpr uint64_t kReserved = x86::kFlagReserved1;

uint64_t flags_of(Harness const& h, uint64_t mask) {
    return h.rflags() & mask;
}

TEST(Shift, CountZeroKeepsFlagsButZeroExtends32) {
    Harness h;
    h.reg(Gpr::Rax) = 0xffffffff'00000001ULL;
    h.cpu.flags.set_rflags(CF | OF | kReserved);
    h.run({0xc1, 0xe0, 0x00}); // shl eax, 0
    EXPECT_EQ(h.reg(Gpr::Rax), 1u);
    EXPECT_EQ(flags_of(h, CF | OF), CF | OF);
}

TEST(Shift, ShlByOneSetsCarryAndOverflow) {
    Harness h;
    h.reg(Gpr::Rax) = 0x80;
    h.run({0xd0, 0xe0}); // shl al, 1
    EXPECT_EQ(h.reg(Gpr::Rax), 0u);
    EXPECT_EQ(flags_of(h, CF | OF | ZF | SF | PF), CF | OF | ZF | PF);
}

TEST(Shift, ShrCarryIsLastBitOut) {
    Harness h;
    h.reg(Gpr::Rax) = 0b1100;
    h.run({0x48, 0xc1, 0xe8, 0x03}); // shr rax, 3
    EXPECT_EQ(h.reg(Gpr::Rax), 1u);
    EXPECT_EQ(flags_of(h, CF | ZF), CF);
}

TEST(Shift, SarByClMasksCountTo5Bits) {
    Harness h;
    h.reg(Gpr::Rax) = 0x80000000;
    h.reg(Gpr::Rcx) = 33; // masked to 1
    h.run({0xd3, 0xf8});  // sar eax, cl
    EXPECT_EQ(h.reg(Gpr::Rax), 0xc0000000u);
    EXPECT_EQ(flags_of(h, CF | OF | SF), SF);
}

TEST(Shift, ShlWordByMoreThanWidth) {
    Harness h;
    h.reg(Gpr::Rax) = 0xffff;
    h.reg(Gpr::Rcx) = 17;
    h.run({0x66, 0xd3, 0xe0}); // shl ax, cl
    EXPECT_EQ(h.reg(Gpr::Rax), 0u);
    EXPECT_EQ(flags_of(h, CF | ZF), ZF);
}

TEST(Shift, RotatesSetOnlyCarryAndOverflow) {
    Harness h;
    h.reg(Gpr::Rax) = 0x81;
    h.cpu.flags.set_rflags(ZF | kReserved);
    h.run({0xd0, 0xc0}); // rol al, 1
    EXPECT_EQ(h.reg(Gpr::Rax), 0x03u);
    EXPECT_EQ(flags_of(h, CF | OF | ZF), CF | OF | ZF);
    h.reg(Gpr::Rax) = 0x1122334455667788ULL;
    h.run({0x48, 0xc1, 0xc8, 0x08}); // ror rax, 8
    EXPECT_EQ(h.reg(Gpr::Rax), 0x8811223344556677ULL);
    EXPECT_EQ(flags_of(h, CF), CF);
}

TEST(Shift, RclAndRcrThroughCarry) {
    Harness h;
    h.reg(Gpr::Rbx) = 0x80;
    h.cpu.flags.set_rflags(CF | kReserved);
    h.run({0xd0, 0xd3}); // rcl bl, 1: 1 comes in, the top bit goes to CF
    EXPECT_EQ(h.reg(Gpr::Rbx), 0x01u);
    EXPECT_EQ(flags_of(h, CF), CF);
    h.reg(Gpr::Rbx) = 0x01;
    h.cpu.flags.set_rflags(kReserved);
    h.run({0xc0, 0xdb, 0x09}); // rcr bl, 9: a full 9-bit rotation leaves it unchanged
    EXPECT_EQ(h.reg(Gpr::Rbx), 0x01u);
    EXPECT_EQ(flags_of(h, CF), 0u);
}

TEST(Shift, DoubleShifts) {
    Harness h;
    h.reg(Gpr::Rax) = 0x12345678;
    h.reg(Gpr::Rbx) = 0x9abcdef0;
    h.run({0x0f, 0xa4, 0xd8, 0x04}); // shld eax, ebx, 4
    EXPECT_EQ(h.reg(Gpr::Rax), 0x23456789u);
    EXPECT_EQ(flags_of(h, CF), CF);
    h.reg(Gpr::Rax) = 0x1;
    h.reg(Gpr::Rbx) = 0xf;
    h.reg(Gpr::Rcx) = 4;
    h.run({0x48, 0x0f, 0xad, 0xd8}); // shrd rax, rbx, cl
    EXPECT_EQ(h.reg(Gpr::Rax), 0xf000000000000000ULL);
}

TEST(MulDiv, MulWidensIntoRdx) {
    Harness h;
    h.reg(Gpr::Rax) = 0x8000000000000000ULL;
    h.reg(Gpr::Rbx) = 4;
    h.run({0x48, 0xf7, 0xe3}); // mul rbx
    EXPECT_EQ(h.reg(Gpr::Rax), 0u);
    EXPECT_EQ(h.reg(Gpr::Rdx), 2u);
    EXPECT_EQ(flags_of(h, CF | OF), CF | OF);
}

TEST(MulDiv, ImulForms) {
    Harness h;
    h.reg(Gpr::Rax) = static_cast<uint64_t>(-3);
    h.reg(Gpr::Rbx) = 5;
    h.run({0x48, 0x0f, 0xaf, 0xc3}); // imul rax, rbx
    EXPECT_EQ(h.reg(Gpr::Rax), static_cast<uint64_t>(-15));
    EXPECT_EQ(flags_of(h, CF | OF), 0u);
    h.reg(Gpr::Rbx) = 0x40000000;
    h.run({0x6b, 0xcb, 0xfd}); // imul ecx, ebx, -3: overflows 32 bits
    EXPECT_EQ(h.reg(Gpr::Rcx), 0x40000000u);
    EXPECT_EQ(flags_of(h, CF | OF), CF | OF);
    h.reg(Gpr::Rax) = 0x80; // al = -128
    h.reg(Gpr::Rbx) = 0xff; // bl = -1
    h.run({0xf6, 0xeb});    // imul bl: ax = 128
    EXPECT_EQ(h.reg(Gpr::Rax) & 0xffff, 0x80u);
    EXPECT_EQ(flags_of(h, CF | OF), CF | OF);
}

TEST(MulDiv, DivAndIdiv) {
    Harness h;
    h.reg(Gpr::Rdx) = 1;
    h.reg(Gpr::Rax) = 5;
    h.reg(Gpr::Rbx) = 2;
    h.run({0x48, 0xf7, 0xf3}); // div rbx: (2^64 + 5) / 2
    EXPECT_EQ(h.reg(Gpr::Rax), 0x8000000000000002ULL);
    EXPECT_EQ(h.reg(Gpr::Rdx), 1u);
    h.reg(Gpr::Rdx) = 0xffffffff; // edx:eax = -7
    h.reg(Gpr::Rax) = static_cast<uint32_t>(-7);
    h.reg(Gpr::Rcx) = 2;
    h.run({0xf7, 0xf9}); // idiv ecx: quotient -3, remainder -1 (truncation)
    EXPECT_EQ(h.reg(Gpr::Rax), static_cast<uint32_t>(-3));
    EXPECT_EQ(h.reg(Gpr::Rdx), static_cast<uint32_t>(-1));
}

TEST(MulDiv, DivideErrors) {
    Harness h;
    h.reg(Gpr::Rax) = 1;
    h.reg(Gpr::Rbx) = 0;
    ExecResult r = h.run({0x48, 0xf7, 0xf3}); // div rbx by zero
    ASSERT_EQ(r.status, ExecStatus::Exception);
    EXPECT_EQ(r.fault.vector, static_cast<uint8_t>(x86::Vector::DivideError));
    EXPECT_EQ(h.cpu.rip(), Harness::kCodeAddress); // RIP at the faulting instruction
    EXPECT_EQ(h.reg(Gpr::Rax), 1u);
    h.reg(Gpr::Rax) = 0x1000; // 0x1000 / 2 does not fit in AL
    h.reg(Gpr::Rbx) = 2;
    r = h.run({0xf6, 0xf3}); // div bl
    EXPECT_EQ(r.fault.vector, static_cast<uint8_t>(x86::Vector::DivideError));
    h.reg(Gpr::Rdx) = 0xffffffff; // edx:eax = INT32_MIN
    h.reg(Gpr::Rax) = 0x80000000;
    h.reg(Gpr::Rcx) = 0xffffffff; // -1
    r = h.run({0xf7, 0xf9});      // idiv ecx overflows
    EXPECT_EQ(r.fault.vector, static_cast<uint8_t>(x86::Vector::DivideError));
}

TEST(Bits, ScansAndZeroInput) {
    Harness h;
    h.reg(Gpr::Rbx) = 0x0000'0100'0000'0000ULL;
    h.run({0x48, 0x0f, 0xbc, 0xc3}); // bsf rax, rbx
    EXPECT_EQ(h.reg(Gpr::Rax), 40u);
    EXPECT_EQ(flags_of(h, ZF), 0u);
    h.reg(Gpr::Rax) = 0x1234;
    h.reg(Gpr::Rbx) = 0;
    h.run({0x48, 0x0f, 0xbc, 0xc3}); // bsf of zero: ZF, destination unchanged
    EXPECT_EQ(h.reg(Gpr::Rax), 0x1234u);
    EXPECT_EQ(flags_of(h, ZF), ZF);
    h.reg(Gpr::Rbx) = 0x00f0;
    h.run({0x0f, 0xbd, 0xc3}); // bsr eax, ebx
    EXPECT_EQ(h.reg(Gpr::Rax), 7u);
    // F3 0F BC is TZCNT on BMI1 processors; vireo advertises none, so it is REP BSF.
    h.reg(Gpr::Rbx) = 0;
    h.reg(Gpr::Rax) = 99;
    h.run({0xf3, 0x48, 0x0f, 0xbc, 0xc3});
    EXPECT_EQ(h.reg(Gpr::Rax), 99u);
    EXPECT_EQ(flags_of(h, ZF), ZF);
}

TEST(Bits, PopcntBtsBswapSetccCmov) {
    Harness h;
    h.reg(Gpr::Rbx) = 0xf0f0;
    h.run({0xf3, 0x48, 0x0f, 0xb8, 0xc3}); // popcnt rax, rbx
    EXPECT_EQ(h.reg(Gpr::Rax), 8u);
    h.write<uint64_t>(Harness::kDataAddress + 8, 0);
    h.reg(Gpr::Rdi) = Harness::kDataAddress;
    h.reg(Gpr::Rax) = 64 + 3;        // a register offset addresses past the operand
    h.run({0x48, 0x0f, 0xab, 0x07}); // bts qword ptr [rdi], rax
    EXPECT_EQ(h.read<uint64_t>(Harness::kDataAddress + 8), 8u);
    EXPECT_EQ(flags_of(h, CF), 0u);
    h.reg(Gpr::Rax) = 0x0102030405060708ULL;
    h.run({0x48, 0x0f, 0xc8}); // bswap rax
    EXPECT_EQ(h.reg(Gpr::Rax), 0x0807060504030201ULL);
    h.cpu.flags.set_rflags(kReserved);
    h.run({0x0f, 0x95, 0xc0}); // setne al
    EXPECT_EQ(h.reg(Gpr::Rax) & 0xff, 1u);
    h.reg(Gpr::Rax) = 0xffffffff'00000005ULL;
    h.reg(Gpr::Rbx) = 7;
    h.run({0x0f, 0x44, 0xc3}); // cmovz eax, ebx with ZF clear still zero-extends
    EXPECT_EQ(h.reg(Gpr::Rax), 5u);
}

} // namespace
} // namespace vireo::emu::test
