// Arithmetic and logic: raw bytes in, architectural state out. Expected flags follow the
// Intel SDM Vol. 2 descriptions of each instruction.
#include <gtest/gtest.h>

#include "harness.h"

namespace vireo::emu::test {
namespace {

using x86::Gpr;
constexpr uint64_t CF = x86::kFlagCf, PF = x86::kFlagPf, AF = x86::kFlagAf, ZF = x86::kFlagZf,
                   SF = x86::kFlagSf, OF = x86::kFlagOf;

uint64_t arith(Harness const& h) {
    return h.rflags() & kArithFlags;
}

TEST(Alu, AddByteSetsCarryZeroAdjustAndKeepsUpperBits) {
    Harness h;
    h.reg(Gpr::Rax) = 0x12345678'000000ffULL;
    h.reg(Gpr::Rbx) = 0x01;
    ASSERT_EQ(h.run({0x00, 0xd8}).status, ExecStatus::Halted); // add al, bl
    EXPECT_EQ(h.reg(Gpr::Rax), 0x12345678'00000000ULL);
    EXPECT_EQ(arith(h), CF | PF | AF | ZF);
}

TEST(Alu, AddSignedOverflow) {
    Harness h;
    h.reg(Gpr::Rax) = 0x7fffffff'ffffffffULL;
    h.reg(Gpr::Rbx) = 1;
    h.run({0x48, 0x01, 0xd8}); // add rax, rbx
    EXPECT_EQ(h.reg(Gpr::Rax), 0x80000000'00000000ULL);
    EXPECT_EQ(arith(h), OF | SF | AF | PF);
}

TEST(Alu, AdcUsesCarryAndZeroExtends32) {
    Harness h;
    h.reg(Gpr::Rax) = 0xffffffff'fffffffeULL;
    h.reg(Gpr::Rbx) = 1;
    h.cpu.flags.set_rflags(CF | x86::kFlagReserved1);
    h.run({0x11, 0xd8}); // adc eax, ebx: 0xfffffffe + 1 + 1 = 0 with carry
    EXPECT_EQ(h.reg(Gpr::Rax), 0u);
    EXPECT_EQ(arith(h), CF | ZF | PF | AF);
}

TEST(Alu, SubBorrowAndSignedCompare) {
    Harness h;
    h.reg(Gpr::Rax) = 1;
    h.reg(Gpr::Rbx) = 2;
    h.run({0x48, 0x29, 0xd8}); // sub rax, rbx
    EXPECT_EQ(h.reg(Gpr::Rax), ~0ULL);
    EXPECT_EQ(arith(h), CF | SF | PF | AF);
}

TEST(Alu, SbbWordWithBorrowIn) {
    Harness h;
    h.reg(Gpr::Rcx) = 0xaaaa'0000;
    h.reg(Gpr::Rdx) = 0;
    h.cpu.flags.set_rflags(CF | x86::kFlagReserved1);
    h.run({0x66, 0x19, 0xd1}); // sbb cx, dx: 0 - 0 - 1
    EXPECT_EQ(h.reg(Gpr::Rcx), 0xaaaa'ffffULL);
    EXPECT_EQ(arith(h), CF | SF | PF | AF);
}

TEST(Alu, CmpEqualSetsZeroOnly) {
    Harness h;
    h.reg(Gpr::Rax) = 5;
    h.run({0x48, 0x83, 0xf8, 0x05}); // cmp rax, 5
    EXPECT_EQ(h.reg(Gpr::Rax), 5u);
    EXPECT_EQ(arith(h), ZF | PF);
}

TEST(Alu, IncPreservesCarryAndOverflowsAtMaxSigned) {
    Harness h;
    h.reg(Gpr::Rax) = 0x7fffffff;
    h.cpu.flags.set_rflags(CF | x86::kFlagReserved1);
    h.run({0xff, 0xc0}); // inc eax
    EXPECT_EQ(h.reg(Gpr::Rax), 0x80000000u);
    EXPECT_EQ(arith(h), CF | OF | SF | AF | PF);
}

TEST(Alu, DecMemoryByteWrapsToMinusOne) {
    Harness h;
    h.write<uint8_t>(Harness::kDataAddress, 0);
    h.reg(Gpr::Rdi) = Harness::kDataAddress;
    h.run({0xfe, 0x0f}); // dec byte ptr [rdi]
    EXPECT_EQ(h.read<uint8_t>(Harness::kDataAddress), 0xff);
    EXPECT_EQ(arith(h) & ~CF, SF | PF | AF);
}

TEST(Alu, NegZeroClearsCarryNegMinSetsOverflow) {
    Harness h;
    h.reg(Gpr::Rax) = 0;
    h.run({0x48, 0xf7, 0xd8}); // neg rax
    EXPECT_EQ(arith(h), ZF | PF);
    h.reg(Gpr::Rax) = 0x80000000'00000000ULL;
    h.run({0x48, 0xf7, 0xd8});
    EXPECT_EQ(h.reg(Gpr::Rax), 0x80000000'00000000ULL);
    EXPECT_EQ(arith(h), CF | OF | SF | PF);
}

TEST(Alu, NotChangesNoFlags) {
    Harness h;
    h.reg(Gpr::Rbx) = 0xf0;
    h.cpu.flags.set_rflags(CF | ZF | x86::kFlagReserved1);
    h.run({0x48, 0xf7, 0xd3}); // not rbx
    EXPECT_EQ(h.reg(Gpr::Rbx), ~0xf0ULL);
    EXPECT_EQ(arith(h), CF | ZF);
}

TEST(Alu, LogicClearsCarryAndOverflow) {
    Harness h;
    h.reg(Gpr::Rax) = 0x1234;
    h.cpu.flags.set_rflags(CF | OF | x86::kFlagReserved1);
    h.run({0x31, 0xc0}); // xor eax, eax
    EXPECT_EQ(h.reg(Gpr::Rax), 0u);
    EXPECT_EQ(arith(h), ZF | PF);
    h.reg(Gpr::Rcx) = 0x80;
    h.run({0xf6, 0xc1, 0x80}); // test cl, 0x80
    EXPECT_EQ(arith(h), SF);
}

TEST(Alu, OrMemoryWithSignExtendedImmediate) {
    Harness h;
    h.write<uint64_t>(Harness::kDataAddress, 0x1);
    h.reg(Gpr::Rdi) = Harness::kDataAddress;
    h.run({0x48, 0x81, 0x0f, 0x80, 0x00, 0x00, 0x00}); // or qword ptr [rdi], 0x80
    EXPECT_EQ(h.read<uint64_t>(Harness::kDataAddress), 0x81u);
    h.reg(Gpr::Rax) = 0x1234;
    h.run({0x48, 0x83, 0xe0, 0xff}); // and rax, -1
    EXPECT_EQ(h.reg(Gpr::Rax), 0x1234u);
}

TEST(Alu, AddressingWithBaseIndexScaleAndRipRelative) {
    Harness h;
    h.write<uint32_t>(Harness::kDataAddress + 0x10 + 3 * 8, 0xdeadbeef);
    h.reg(Gpr::Rbx) = Harness::kDataAddress;
    h.reg(Gpr::Rcx) = 3;
    h.run({0x8b, 0x44, 0xcb, 0x10}); // mov eax, [rbx + rcx*8 + 0x10]
    EXPECT_EQ(h.reg(Gpr::Rax), 0xdeadbeefu);
    // lea rdx, [rip + 0x100]: RIP is that of the next instruction.
    h.run({0x48, 0x8d, 0x15, 0x00, 0x01, 0x00, 0x00});
    EXPECT_EQ(h.reg(Gpr::Rdx), Harness::kCodeAddress + 7 + 0x100);
}

TEST(Alu, HighByteRegisters) {
    Harness h;
    h.reg(Gpr::Rax) = 0x1100;
    h.reg(Gpr::Rbx) = 0x2200;
    h.run({0x00, 0xfc}); // add ah, bh
    EXPECT_EQ(h.reg(Gpr::Rax), 0x3300u);
}

} // namespace
} // namespace vireo::emu::test
