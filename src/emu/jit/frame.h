// The frame translated code runs in. The entry stub (runtime.h) copies a JitFrame onto the
// host stack, where translated code addresses it through RSP, and copies it back on exit;
// the C++ functions translated code calls receive its address.
#pragma once

#include <cstddef>
#include <cstdint>

#include "emu/flags.h"

namespace vireo::emu::jit {

struct RunState;

struct JitFrame {
    // Guest instructions left before the executor must look at timers; every block subtracts
    // its count as it leaves, and leaves translated code once this is not positive.
    int64_t budget = 0;
    // Chain links made in another epoch are not followed (jit.h).
    uint64_t epoch = 0;
    // The guest's CF, PF, AF, ZF, SF and OF while translated code runs, in the form LAHF and
    // SETO leave them in AX (pack_flags): the canonical copy whenever they are not live in
    // the host RFLAGS.
    uint64_t flags = 0;
    // Budget given up when a helper asked for the run to end at the next block boundary.
    int64_t forfeited = 0;
    RunState* run = nullptr;
    // Where the exit stub copies the frame back to.
    JitFrame* home = nullptr;
};

// The value translated code returns: one of these, or the address of the ChainSlot of the
// direct exit it left through (always above kExitCodeLimit).
enum ExitCode : uintptr_t {
    kExitIndirect = 0, // RIP is in the Cpu: the executor finds the next block
    kExitFault = 1,    // RunState::fault holds a guest fault; RIP is the faulting instruction
    kExitError = 2,    // RunState::error holds a C++ exception a handler threw
};
inline constexpr uintptr_t kExitCodeLimit = 16;

// LAHF loads SF:ZF:0:AF:0:PF:1:CF, the low byte of RFLAGS, into AH, and SAHF stores it back;
// OF, bit 11, is not among them (Intel SDM Vol. 2A "LAHF", "SAHF"). Translated code keeps
// OF in AL as SETO leaves it and restores it with ADD AL, 0x7f, which overflows exactly when
// AL is 1.
inline constexpr uint64_t kLahfFlags =
    x86::kFlagSf | x86::kFlagZf | x86::kFlagAf | x86::kFlagPf | x86::kFlagCf;
inline constexpr unsigned kOverflowBit = 11;

constexpr uint64_t pack_flags(uint64_t rflags) {
    return ((rflags & kLahfFlags) << 8) | ((rflags >> kOverflowBit) & 1);
}
constexpr uint64_t unpack_flags(uint64_t packed) {
    return ((packed >> 8) & kLahfFlags) | ((packed & 1) << kOverflowBit);
}

} // namespace vireo::emu::jit
