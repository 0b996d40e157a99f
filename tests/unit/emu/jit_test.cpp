// The JIT against the interpreter: the same code runs on two harnesses, one translating every
// block on its second run (threshold 1) unless a test says otherwise, one interpreting, and must
// leave the same registers, flags, RIP and memory. Each test also checks that translated code did
// run.
#include <cstring>

#include <gtest/gtest.h>

#include "emu/jit/jit.h"
#include "harness.h"

namespace vireo::emu::test {
namespace {

using x86::Gpr;

constexpr uint64_t kData = Harness::kDataAddress;
constexpr size_t kDataBytes = 0x3000;

jit::Config config(bool enabled, uint32_t threshold) {
    jit::Config c;
    c.enabled = enabled;
    c.threshold = threshold;
    c.cache_bytes = size_t{1} << 20;
    return c;
}

struct Pair {
    Harness interpreted;
    Harness translated;

    explicit Pair(uint32_t threshold = 1) {
        interpreted.cache.jit =
            std::make_shared<jit::Jit>(interpreted.cpu, config(false, threshold));
        translated.cache.jit = std::make_shared<jit::Jit>(translated.cpu, config(true, threshold));
    }
    uint64_t& reg(Gpr which, uint64_t value) {
        interpreted.reg(which) = value;
        return translated.reg(which) = value;
    }
    template <typename T>
    void write(uint64_t address, T value) {
        interpreted.write<T>(address, value);
        translated.write<T>(address, value);
    }
    void run(std::vector<uint8_t> const& code) {
        ExecResult const a = interpreted.run(code);
        ExecResult const b = translated.run(code);
        ASSERT_EQ(a.status, b.status);
        if (a.status == ExecStatus::Exception) {
            EXPECT_EQ(a.fault.vector, b.fault.vector);
            EXPECT_EQ(a.fault.error_code, b.fault.error_code);
        }
    }
    void resume_at(uint64_t rip) {
        interpreted.cpu.set_rip(rip);
        translated.cpu.set_rip(rip);
        ExecResult const a = interpreted.resume();
        ExecResult const b = translated.resume();
        ASSERT_EQ(a.status, b.status);
        if (a.status == ExecStatus::Exception) {
            EXPECT_EQ(a.fault.vector, b.fault.vector);
        }
    }
    void load(uint64_t address, std::vector<uint8_t> const& bytes) {
        interpreted.load(address, bytes);
        translated.load(address, bytes);
    }
    uint64_t entries() const { return translated.cache.jit->stats().entries; }

    void expect_same_state() {
        for (unsigned r = 0; r < 16; ++r)
            EXPECT_EQ(interpreted.cpu.regs[r], translated.cpu.regs[r]) << "GPR " << r;
        EXPECT_EQ(interpreted.cpu.rip(), translated.cpu.rip());
        EXPECT_EQ(interpreted.rflags() & kArithFlags, translated.rflags() & kArithFlags);
        EXPECT_EQ(interpreted.cpu.instructions, translated.cpu.instructions);
        std::vector<uint8_t> a(kDataBytes), b(kDataBytes);
        ASSERT_TRUE(interpreted.memory->read(kData, a));
        ASSERT_TRUE(translated.memory->read(kData, b));
        EXPECT_TRUE(a == b) << "guest data differs";
    }
};

// Wraps `body` in a loop of `count` iterations on R15 (`body` must leave R15 alone):
//   mov r15d, count; top: body; dec r15d; jnz top
std::vector<uint8_t> loop(std::vector<uint8_t> const& body, uint32_t count) {
    std::vector<uint8_t> code = {0x41, 0xbf};
    append_le(code, count, 4);
    code.insert(code.end(), body.begin(), body.end());
    code.insert(code.end(), {0x41, 0xff, 0xcf}); // dec r15d
    auto const back = static_cast<int32_t>(-(body.size() + 3 + 6));
    code.insert(code.end(), {0x0f, 0x85}); // jnz rel32
    append_le(code, static_cast<uint32_t>(back), 4);
    return code;
}

TEST(Jit, ArithmeticAndFlagsMatchTheInterpreter) {
    Pair p;
    p.reg(Gpr::Rax, 0x0123456789abcdefULL);
    p.reg(Gpr::Rbx, 0xfedcba9876543210ULL);
    p.reg(Gpr::Rcx, 3);
    p.reg(Gpr::Rdx, 0x8000000000000001ULL);
    p.reg(Gpr::Rsi, 0x7f);
    p.run(loop({0x48, 0x01, 0xd8,             // add rax, rbx
                0x48, 0x11, 0xc2,             // adc rdx, rax
                0x19, 0xd3,                   // sbb ebx, edx
                0x48, 0xd3, 0xc0,             // rol rax, cl
                0x48, 0x0f, 0xaf, 0xc3,       // imul rax, rbx
                0x40, 0x00, 0xf4,             // add spl, sil
                0x48, 0xf7, 0xe3,             // mul rbx
                0x66, 0x83, 0xc6, 0x7f,       // add si, 0x7f
                0x48, 0x0f, 0xa4, 0xd0, 0x05, // shld rax, rdx, 5
                0x0f, 0x92, 0xc1,             // setb cl
                0x48, 0x0f, 0x47, 0xdf,       // cmova rbx, rdi
                0x48, 0xff, 0xc7,             // inc rdi
                0x48, 0x0f, 0xbb, 0xc3,       // btc rbx, rax
                0x48, 0xd1, 0xd2,             // rcl rdx, 1
                0x48, 0x8d, 0x04, 0x40,       // lea rax, [rax+rax*2]: the base is the destination
                0x8d, 0x4c, 0x91, 0x08},      // lea ecx, [rcx+rdx*4+8]
               40));
    p.expect_same_state();
    EXPECT_GT(p.entries(), 0u);
}

// LEA whose destination is also its base or index, as the first use of that register in
// the block (when the register is not yet in its host register).
TEST(Jit, LeaReadsItsDestinationBeforeWritingIt) {
    Pair p;
    p.reg(Gpr::Rax, 3);
    p.reg(Gpr::Rcx, 5);
    p.reg(Gpr::Rdx, 7);
    p.run(loop({0x48, 0x8d, 0x04, 0x40, // lea rax, [rax+rax*2]
                0x8d, 0x4c, 0x91, 0x08, // lea ecx, [rcx+rdx*4+8]
                0x48, 0x01, 0xc3,       // add rbx, rax
                0x48, 0x01, 0xcb},      // add rbx, rcx
               10));
    p.expect_same_state();
    EXPECT_EQ(p.translated.reg(Gpr::Rax), 177147u); // 3^11
    EXPECT_GT(p.entries(), 0u);
}

TEST(Jit, MemoryOperandsAndStackMatchTheInterpreter) {
    Pair p;
    p.reg(Gpr::Rdi, kData);
    p.reg(Gpr::Rax, 0x1111);
    p.write<uint64_t>(kData + 8, 0x5555aaaa5555aaaaULL);
    p.run(loop({0x48, 0x01, 0x47, 0x08,       // add [rdi+8], rax
                0x48, 0x8b, 0x5f, 0x08,       // mov rbx, [rdi+8]
                0x0f, 0xb6, 0x4f, 0x09,       // movzx ecx, byte [rdi+9]
                0x53,                         // push rbx
                0x48, 0x83, 0x04, 0x24, 0x03, // add qword [rsp], 3
                0x5a,                         // pop rdx
                0x48, 0x89, 0x54, 0x8f, 0x10, // mov [rdi+rcx*4+16], rdx
                0x48, 0xff, 0xc0},            // inc rax
               50));
    p.expect_same_state();
    EXPECT_GT(p.entries(), 0u);
}

TEST(Jit, PageCrossingAccessesMatchTheInterpreter) {
    Pair p;
    p.reg(Gpr::Rdi, kData + 0xffd); // 3 bytes before a page boundary
    p.write<uint64_t>(kData + 0xffd, 0x0807060504030201ULL);
    p.run(loop({0x48, 0x8b, 0x07,       // mov rax, [rdi]
                0x48, 0x83, 0x07, 0x01, // add qword [rdi], 1
                0x48, 0x01, 0xc3},      // add rbx, rax
               20));
    p.expect_same_state();
    EXPECT_GT(p.entries(), 0u);
}

TEST(Jit, HelperCallsRunInstructionsWithoutPattern) {
    Pair p;
    p.reg(Gpr::Rdi, kData);
    p.reg(Gpr::Rax, 0x40);
    p.run(loop({0x48, 0x0f, 0xbc, 0xd8, // bsf rbx, rax (no native pattern)
                0x48, 0x0f, 0xc1, 0x07, // xadd [rdi], rax (no native pattern)
                0x48, 0x01, 0xd8,       // add rax, rbx
                0x48, 0x0f, 0xbd, 0xc8, // bsr rcx, rax
                0x48, 0x11, 0xcb},      // adc rbx, rcx
               30));
    p.expect_same_state();
    EXPECT_GT(p.entries(), 0u);
}

// A block that faults once translated: the fault is the interpreter's, RIP names the
// faulting instruction and the instructions before it have committed, those after not.
TEST(Jit, FaultMidBlockLeavesTheInterpretersState) {
    Pair p;
    p.reg(Gpr::Rsi, kData);
    p.reg(Gpr::Rbx, 1);
    p.run(loop({0x48, 0x83, 0xc3, 0x05, // add rbx, 5
                0x48, 0x8b, 0x06,       // mov rax, [rsi]
                0x48, 0x01, 0xc1,       // add rcx, rax
                0x48, 0xff, 0xc2},      // inc rdx
               5));
    uint64_t const entries = p.entries();
    EXPECT_GT(entries, 0u);
    // The loop body once more, now with a non-canonical address in RSI: #GP (Intel SDM
    // Vol. 3A 6.15, "Interrupt 13").
    p.reg(Gpr::Rsi, 0x8000000000000000ULL);
    p.reg(Gpr::R15, 1);
    p.resume_at(Harness::kCodeAddress + 6);
    EXPECT_EQ(p.translated.cpu.rip(), Harness::kCodeAddress + 10);
    EXPECT_GT(p.entries(), entries);
    p.expect_same_state();
}

// The loop rewrites the immediate of an instruction in its own block, which it runs again:
// the translation must be dropped with the block. Every block is translated on its first
// run here, since the rewritten block never gets hot.
TEST(Jit, SelfModifyingCodeDropsTheTranslation) {
    Pair p(0);
    constexpr uint64_t kImmediate = Harness::kCodeAddress + 6 + 1; // in "add eax, imm32"
    p.reg(Gpr::Rdi, kImmediate);
    p.run(loop({0x05, 0x01, 0x00, 0x00, 0x00, // add eax, 1 (the immediate changes)
                0xff, 0x07},                  // inc dword [rdi]
               20));
    p.expect_same_state();
    EXPECT_EQ(p.translated.reg(Gpr::Rax), 20u * 21u / 2u);
    EXPECT_GT(p.entries(), 0u);
}

// CALL rel32 or JMP rel32 at `at` (the opcode's address) to `target`.
void append_relative(std::vector<uint8_t>& code, uint8_t opcode, uint64_t at, uint64_t target) {
    code.push_back(opcode);
    append_le(code, target - (at + 5), 4);
}

// Indirect branches with more than one target per site, as returns from shared code and
// Linux's retpoline thunks have: an indirect CALL alternating between two functions, and a
// RET shared by both, which returns to two call sites. Each branch misses its exit's
// one-entry link every time; the indirect table must find the target without the executor.
TEST(Jit, IndirectBranchesWithManyTargetsStayInTranslatedCode) {
    constexpr uint64_t kFirst = Harness::kCodeAddress + 0x800;
    constexpr uint64_t kSecond = Harness::kCodeAddress + 0x840;
    constexpr uint64_t kSharedRet = Harness::kCodeAddress + 0x880;
    constexpr uint32_t kIterations = 200;
    Pair p;
    // Each function: add rbx, N; jmp kSharedRet (ret).
    for (auto const& [address, addend] : {std::pair{kFirst, 1}, std::pair{kSecond, 2}}) {
        std::vector<uint8_t> function = {0x48, 0x83, 0xc3, static_cast<uint8_t>(addend)};
        append_relative(function, 0xe9, address + function.size(), kSharedRet);
        p.load(address, function);
    }
    p.load(kSharedRet, {0xc3});

    constexpr uint64_t kBody = Harness::kCodeAddress + 6; // after loop()'s mov r15d, imm32
    std::vector<uint8_t> body = {0x48, 0xb8};             // mov rax, kFirst
    append_le(body, kFirst, 8);
    body.insert(body.end(), {0x48, 0xb9}); // mov rcx, kSecond
    append_le(body, kSecond, 8);
    body.insert(body.end(), {0x41, 0xf6, 0xc7, 0x01,           // test r15b, 1
                             0x48, 0x0f, 0x45, 0xc1,           // cmovnz rax, rcx
                             0xff, 0xd0});                     // call rax
    append_relative(body, 0xe8, kBody + body.size(), kFirst);  // call kFirst
    append_relative(body, 0xe8, kBody + body.size(), kSecond); // call kSecond
    p.run(loop(body, kIterations));
    p.expect_same_state();
    EXPECT_EQ(p.translated.reg(Gpr::Rbx), kIterations / 2 * (1 + 2) + kIterations * (1 + 2));
    // Each iteration's indirect CALL and its three RETs go to another target than the time
    // before; only the first runs of each block, before their targets were translated,
    // need the executor.
    EXPECT_GT(p.entries(), 0u);
    EXPECT_LT(p.entries(), kIterations / 4);
}

} // namespace
} // namespace vireo::emu::test
