// String instructions, control flow, stack, atomics (with two threads) and self-modifying
// code.
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "harness.h"

namespace vireo::emu::test {
namespace {

using x86::Gpr;
constexpr uint64_t kData = Harness::kDataAddress;

TEST(String, RepMovsbCrossesPagesAndUpdatesRegisters) {
    Harness h;
    for (unsigned i = 0; i < 10000; ++i)
        h.write<uint8_t>(kData + 0x800 + i, static_cast<uint8_t>(i * 7));
    h.reg(Gpr::Rsi) = kData + 0x800;
    h.reg(Gpr::Rdi) = kData + 0x10000 + 0x123;
    h.reg(Gpr::Rcx) = 10000;
    h.run({0xf3, 0xa4}); // rep movsb
    EXPECT_EQ(h.reg(Gpr::Rcx), 0u);
    EXPECT_EQ(h.reg(Gpr::Rsi), kData + 0x800 + 10000);
    EXPECT_EQ(h.reg(Gpr::Rdi), kData + 0x10000 + 0x123 + 10000);
    for (unsigned i = 0; i < 10000; i += 997)
        EXPECT_EQ(h.read<uint8_t>(kData + 0x10000 + 0x123 + i), static_cast<uint8_t>(i * 7));
}

TEST(String, OverlappingForwardMovsbReplicatesThePattern) {
    Harness h;
    h.write<uint8_t>(kData, 0xab);
    h.reg(Gpr::Rsi) = kData;
    h.reg(Gpr::Rdi) = kData + 1;
    h.reg(Gpr::Rcx) = 100;
    h.run({0xf3, 0xa4}); // rep movsb, destination one byte above the source
    EXPECT_EQ(h.read<uint8_t>(kData + 100), 0xab);
    EXPECT_EQ(h.read<uint8_t>(kData + 50), 0xab);
}

TEST(String, BackwardsMovsqWithDirectionFlag) {
    Harness h;
    for (unsigned i = 0; i < 4; ++i)
        h.write<uint64_t>(kData + i * 8, 0x1111111111111111ULL * (i + 1));
    h.reg(Gpr::Rsi) = kData + 3 * 8;
    h.reg(Gpr::Rdi) = kData + 0x1000 + 3 * 8;
    h.reg(Gpr::Rcx) = 4;
    h.run({0xfd, 0xf3, 0x48, 0xa5}); // std; rep movsq
    for (unsigned i = 0; i < 4; ++i)
        EXPECT_EQ(h.read<uint64_t>(kData + 0x1000 + i * 8), 0x1111111111111111ULL * (i + 1));
    EXPECT_EQ(h.reg(Gpr::Rsi), kData - 8);
    EXPECT_EQ(h.reg(Gpr::Rdi), kData + 0x1000 - 8);
}

TEST(String, OverlappingBackwardMovsbReplicatesLikeTheProcessor) {
    Harness h;
    for (unsigned i = 0; i < 16; ++i)
        h.write<uint8_t>(kData + i, static_cast<uint8_t>(i));
    h.reg(Gpr::Rsi) = kData + 8;
    h.reg(Gpr::Rdi) = kData + 7;
    h.reg(Gpr::Rcx) = 8;
    h.run({0xfd, 0xf3, 0xa4}); // std; rep movsb, destination one byte below the source
    // Element by element, each byte copied down is read again by the next: all become 8
    // (memmove would give 1..8).
    for (unsigned i = 0; i < 8; ++i)
        EXPECT_EQ(h.read<uint8_t>(kData + i), 8u) << i;
    EXPECT_EQ(h.read<uint8_t>(kData + 8), 8u);
    EXPECT_EQ(h.read<uint8_t>(kData + 9), 9u);
    EXPECT_EQ(h.reg(Gpr::Rsi), kData);
    EXPECT_EQ(h.reg(Gpr::Rdi), kData - 1);
}

TEST(String, RepStosqOfAMegabyteIsBulk) {
    Harness h(8 << 20);
    h.reg(Gpr::Rax) = 0x5a5a5a5a5a5a5a5aULL;
    h.reg(Gpr::Rdi) = kData;
    h.reg(Gpr::Rcx) = (1 << 20) / 8;
    auto const start = std::chrono::steady_clock::now();
    h.run({0xf3, 0x48, 0xab}); // rep stosq
    auto const elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(h.reg(Gpr::Rcx), 0u);
    EXPECT_EQ(h.read<uint64_t>(kData + (1 << 20) - 8), 0x5a5a5a5a5a5a5a5aULL);
    EXPECT_EQ(h.reg(Gpr::Rdi), kData + (1 << 20));
    // A million interpreted iterations would take tens of milliseconds; memset takes less.
    EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count(), 50);
    // Counted as one instruction (plus the HLT): it ran in bulk, not per element.
    EXPECT_LE(h.cpu.instructions, 3u);
}

TEST(String, RepeCmpsbStopsAtMismatchRepneScasbAtMatch) {
    Harness h;
    std::vector<uint8_t> a{1, 2, 3, 4}, b{1, 2, 9, 4};
    h.load(kData, a);
    h.load(kData + 0x100, b);
    h.reg(Gpr::Rsi) = kData;
    h.reg(Gpr::Rdi) = kData + 0x100;
    h.reg(Gpr::Rcx) = 4;
    h.run({0xf3, 0xa6}); // repe cmpsb
    EXPECT_EQ(h.reg(Gpr::Rcx), 1u);
    EXPECT_EQ(h.reg(Gpr::Rsi), kData + 3);
    EXPECT_EQ(h.rflags() & x86::kFlagZf, 0u);
    h.reg(Gpr::Rax) = 4;
    h.reg(Gpr::Rdi) = kData;
    h.reg(Gpr::Rcx) = 10;
    h.run({0xf2, 0xae}); // repne scasb for 4
    EXPECT_EQ(h.reg(Gpr::Rdi), kData + 4);
    EXPECT_EQ(h.reg(Gpr::Rcx), 6u);
    EXPECT_NE(h.rflags() & x86::kFlagZf, 0u);
}

TEST(Control, CallRetLoopAndConditionalBranch) {
    Harness h;
    h.reg(Gpr::Rcx) = 5;
    h.reg(Gpr::Rax) = 0;
    // 0: call +1 (to 6); 5: hlt; 6: inc rax; 9: loop 6; b: ret
    h.load(Harness::kCodeAddress,
           {0xe8, 0x01, 0x00, 0x00, 0x00, 0xf4, 0x48, 0xff, 0xc0, 0xe2, 0xfb, 0xc3});
    h.cpu.set_rip(Harness::kCodeAddress);
    ASSERT_EQ(h.resume().status, ExecStatus::Halted);
    EXPECT_EQ(h.reg(Gpr::Rax), 5u);
    EXPECT_EQ(h.reg(Gpr::Rcx), 0u);
    EXPECT_EQ(h.reg(Gpr::Rsp), Harness::kStackTop);
    EXPECT_EQ(h.cpu.rip(), Harness::kCodeAddress + 6);
}

TEST(Control, IndirectJumpAndStack) {
    Harness h;
    h.reg(Gpr::Rax) = Harness::kCodeAddress + 4;
    // 0: jmp rax; 2: ud2; 4: push rax; pop rbx; pushfq; popfq; enter 16,0; leave
    ExecResult r =
        h.run({0xff, 0xe0, 0x0f, 0x0b, 0x50, 0x5b, 0x9c, 0x9d, 0xc8, 0x10, 0x00, 0x00, 0xc9});
    ASSERT_EQ(r.status, ExecStatus::Halted);
    EXPECT_EQ(h.reg(Gpr::Rbx), Harness::kCodeAddress + 4);
    EXPECT_EQ(h.reg(Gpr::Rsp), Harness::kStackTop);
}

TEST(Control, UndefinedInstructionRaisesUd) {
    Harness h;
    ExecResult r = h.run({0x90, 0x0f, 0x0b}); // nop; ud2
    ASSERT_EQ(r.status, ExecStatus::Exception);
    EXPECT_EQ(r.fault.vector, static_cast<uint8_t>(x86::Vector::InvalidOpcode));
    EXPECT_EQ(h.cpu.rip(), Harness::kCodeAddress + 1);
    r = h.run({0x06}); // push es: invalid in 64-bit mode
    EXPECT_EQ(r.fault.vector, static_cast<uint8_t>(x86::Vector::InvalidOpcode));
}

TEST(Atomic, CmpxchgAndCmpxchg16bAndXadd) {
    Harness h;
    h.write<uint64_t>(kData, 10);
    h.reg(Gpr::Rdi) = kData;
    h.reg(Gpr::Rax) = 10;
    h.reg(Gpr::Rbx) = 20;
    h.run({0xf0, 0x48, 0x0f, 0xb1, 0x1f}); // lock cmpxchg [rdi], rbx: equal
    EXPECT_EQ(h.read<uint64_t>(kData), 20u);
    EXPECT_NE(h.rflags() & x86::kFlagZf, 0u);
    h.run({0xf0, 0x48, 0x0f, 0xb1, 0x1f}); // now unequal: rax gets memory
    EXPECT_EQ(h.reg(Gpr::Rax), 20u);
    EXPECT_EQ(h.rflags() & x86::kFlagZf, 0u);

    h.write<uint64_t>(kData + 16, 1);
    h.write<uint64_t>(kData + 24, 2);
    h.reg(Gpr::Rdi) = kData + 16;
    h.reg(Gpr::Rax) = 1;
    h.reg(Gpr::Rdx) = 2;
    h.reg(Gpr::Rbx) = 3;
    h.reg(Gpr::Rcx) = 4;
    h.run({0xf0, 0x48, 0x0f, 0xc7, 0x0f}); // lock cmpxchg16b [rdi]
    EXPECT_EQ(h.read<uint64_t>(kData + 16), 3u);
    EXPECT_EQ(h.read<uint64_t>(kData + 24), 4u);
    h.reg(Gpr::Rdi) = kData + 8; // misaligned: #GP
    EXPECT_EQ(h.run({0xf0, 0x48, 0x0f, 0xc7, 0x0f}).fault.vector,
              static_cast<uint8_t>(x86::Vector::GeneralProtection));

    h.write<uint64_t>(kData, 5);
    h.reg(Gpr::Rdi) = kData;
    h.reg(Gpr::Rax) = 3;
    h.run({0x48, 0x0f, 0xc1, 0x07}); // xadd [rdi], rax
    EXPECT_EQ(h.read<uint64_t>(kData), 8u);
    EXPECT_EQ(h.reg(Gpr::Rax), 5u);
}

TEST(Atomic, LockAddIsAtomicAcrossTwoThreads) {
    // Two vCPUs on two host threads increment one counter with LOCK ADD.
    Harness a;
    Harness b;
    b.memory.reset(); // b shares a's RAM and code pages
    b.machine = a.machine;
    b.cpu.machine = &b.machine;
    std::vector<uint8_t> const code{0xb9, 0xa0, 0x86, 0x01, 0x00,  // mov ecx, 100000
                                    0xf0, 0x48, 0x83, 0x07, 0x01,  // lock add qword [rdi], 1
                                    0xff, 0xc9, 0x75, 0xf7, 0xf4}; // dec ecx; jnz; hlt
    a.load(Harness::kCodeAddress, code);
    a.write<uint64_t>(kData, 0);
    for (Harness* h : {&a, &b}) {
        h->reg(Gpr::Rdi) = kData;
        h->cpu.set_rip(Harness::kCodeAddress);
    }
    std::thread other([&] { b.resume(); });
    a.resume();
    other.join();
    EXPECT_EQ(a.read<uint64_t>(kData), 200000u);
}

TEST(SelfModifyingCode, WriteToDecodedCodeInvalidatesIt) {
    Harness h;
    // 0: call f; 5: mov byte [rip+7], 2 (the immediate of f's mov); 12: call f; 17: hlt
    // 18: f: mov eax, 1; 23: ret
    std::vector<uint8_t> const code{0xe8, 0x0d, 0x00, 0x00, 0x00, 0xc6, 0x05, 0x07,
                                    0x00, 0x00, 0x00, 0x02, 0xe8, 0x01, 0x00, 0x00,
                                    0x00, 0xf4, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xc3};
    h.load(Harness::kCodeAddress, code);
    h.cpu.set_rip(Harness::kCodeAddress);
    ASSERT_EQ(h.resume().status, ExecStatus::Halted);
    EXPECT_EQ(h.reg(Gpr::Rax), 2u);
}

TEST(SelfModifyingCode, DeviceWritesInvalidateThroughCodePages) {
    Harness h;
    h.run({0xb8, 0x01, 0x00, 0x00, 0x00}); // mov eax, 1
    EXPECT_EQ(h.reg(Gpr::Rax), 1u);
    // A "DMA" write behind the emulator's back, reported through invalidate_range.
    (void)h.memory->write_object<uint8_t>(Harness::kCodeAddress + 1, 3);
    h.code_pages->invalidate_range(Harness::kCodeAddress + 1, 1);
    h.cpu.set_rip(Harness::kCodeAddress);
    h.resume();
    EXPECT_EQ(h.reg(Gpr::Rax), 3u);
}

} // namespace
} // namespace vireo::emu::test
