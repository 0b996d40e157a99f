// The boundary between translated code and C++. Translated code is entered through the
// entry stub and leaves through the exit stub, both written once per code cache. It calls
// C++ only through functions declared here, which catch every exception: C++ exceptions
// must never unwind through translated code, which has no unwind information.
#pragma once

#include <cstdint>
#include <exception>

#include "emu/block_cache.h"
#include "emu/cpu.h"
#include "emu/fault.h"
#include "emu/insn.h"
#include "emu/jit/code_cache.h"
#include "emu/jit/frame.h"

namespace vireo::emu::jit {

// What a run of translated code reports beyond its frame.
struct RunState {
    GuestFault fault{};
    std::exception_ptr error;
    // The generations the run's chain links were made under: a helper that changes them
    // makes the run stop at the next block boundary.
    uint64_t tlb_generation = 0;
    uint64_t code_generation = 0;
};

// Runs `insn`, an instruction of `block`, through its interpreter handler, with RIP already
// at the next instruction, the guest registers in the Cpu and the flags in the frame, as the
// interpreter would; Cpu::current_block and block_rip name the block, as while interpreting
// (fault paths look the instruction up there: memory.cpp). Returns 0, or kExitFault /
// kExitError with the RunState filled in.
uintptr_t run_handler(Cpu* cpu, Insn const* insn, JitFrame* frame, Block const* block) noexcept;

struct Stubs {
    // Saves the host's callee-saved registers, puts `frame` on the stack, points RBX at the
    // Cpu and jumps to `code`; returns what the exit stub got in RAX.
    using Enter = uintptr_t (*)(Cpu* cpu, JitFrame* frame, void const* code);
    Enter enter = nullptr;
    // Jumped to with the exit code in RAX: copies the frame back and returns from `enter`.
    void const* exit = nullptr;
};

// Writes the stubs at the start of an empty cache and keeps them across flushes.
Stubs write_stubs(CodeCache& cache);

// The stack bytes the entry stub reserves: the frame, padded so that RSP stays 16-byte
// aligned for calls from translated code.
inline constexpr int32_t kFrameBytes = 56;
static_assert(sizeof(JitFrame) <= kFrameBytes && kFrameBytes % 16 == 8);

} // namespace vireo::emu::jit
