// A micro-benchmark of the interpreter's inner loop (not a test): a load/ALU/store loop over
// 64 KiB, run for 2000 passes (~131 M guest instructions). Reports guest MIPS per second of
// this thread's CPU time, which other processes on the machine disturb less than wall time.
#include <cstdio>
#include <ctime>

#include "harness.h"

namespace {

double thread_seconds() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

void report(char const* name, vireo::emu::test::Harness& h, double seconds) {
    std::printf("%-28s %llu guest instructions in %.3f s of CPU: %.1f MIPS\n", name,
                static_cast<unsigned long long>(h.cpu.instructions), seconds,
                static_cast<double>(h.cpu.instructions) / seconds / 1e6);
}

// Short blocks: a branch every two or three instructions, as in kernel code.
void branchy() {
    vireo::emu::test::Harness h;
    // mov ecx, 100000000; 1: test ecx, 1; jz 2f; add eax, 1; 2: dec ecx; jnz 1b
    std::vector<uint8_t> const code{0xb9, 0x00, 0xe1, 0xf5, 0x05, 0xf7, 0xc1, 0x01, 0x00, 0x00,
                                    0x00, 0x74, 0x03, 0x83, 0xc0, 0x01, 0xff, 0xc9, 0x75, 0xf1};
    double const start = thread_seconds();
    h.run(code);
    report("branchy (2-3 insn blocks)", h, thread_seconds() - start);
}

} // namespace

int main() {
    branchy();
    using vireo::x86::Gpr;
    vireo::emu::test::Harness h;
    // 2: mov rsi, rdi; mov ecx, 8192; xor eax, eax
    // 1: mov rdx, [rsi]; add rax, rdx; movzx ebx, byte [rsi+3]; xor rax, rbx;
    //    mov [rsi+8], eax; add rsi, 8; dec ecx; jnz 1b; dec r8d; jnz 2b
    std::vector<uint8_t> const code{
        0x41, 0xb8, 0xd0, 0x07, 0x00, 0x00, 0x48, 0x89, 0xfe, 0xb9, 0x00, 0x20, 0x00, 0x00, 0x31,
        0xc0, 0x48, 0x8b, 0x16, 0x48, 0x01, 0xd0, 0x0f, 0xb6, 0x5e, 0x03, 0x48, 0x31, 0xd8, 0x89,
        0x46, 0x08, 0x48, 0x83, 0xc6, 0x08, 0xff, 0xc9, 0x75, 0xe8, 0x41, 0xff, 0xc8, 0x75, 0xd9};
    h.reg(Gpr::Rdi) = vireo::emu::test::Harness::kDataAddress;
    double const start = thread_seconds();
    h.run(code);
    double const seconds = thread_seconds() - start;
    report("load/ALU/store loop", h, seconds);
    return 0;
}
