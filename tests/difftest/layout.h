// Where a test program lives. The native child maps these ranges at the same virtual
// addresses, and the emulated machine identity-maps them at CPL3, so every address a program
// computes (RIP-relative operands, pushed return addresses, faulting addresses) is the same on
// both sides. Everything else is unmapped on both sides: an access outside these ranges is a
// page fault in both, with the same faulting address.
#pragma once

#include <cstdint>

namespace vireo::difftest {

inline constexpr uint64_t kPageBytes = 4096;

// Code: the sequence, then the HLT that ends it. Mapped read+execute.
inline constexpr uint64_t kCodeAddress = 0x100000;
inline constexpr uint64_t kCodeBytes = 0x4000;

// Data: two pages, so that accesses can straddle a page boundary; unmapped pages around.
inline constexpr uint64_t kDataAddress = 0x200000;
inline constexpr uint64_t kDataBytes = 0x2000;
// Ordinary loads and stores stay below kGeneralDataBytes. Above sit two FXSAVE images: one
// the program may FXRSTOR (initialised with a valid random state) and one it FXSAVEs into.
// Some bytes FXSAVE writes are not comparable (machine_state.h), so nothing else ever reads
// the slots. Above them, the last kiB is only reached by accesses that run off the end of
// the buffer into the unmapped page after it (fault probes), so they never read a slot.
inline constexpr uint64_t kGeneralDataBytes = 0x1800;
inline constexpr uint64_t kFxrstorSlot = 0x1800;
inline constexpr uint64_t kFxsaveSlot = 0x1a00;
inline constexpr uint64_t kFxsaveBytes = 512;

// Stack: two pages, RSP starts between them.
inline constexpr uint64_t kStackAddress = 0x300000;
inline constexpr uint64_t kStackBytes = 0x2000;
inline constexpr uint64_t kStackStart = kStackAddress + kStackBytes / 2;

inline bool in_range(uint64_t address, uint64_t base, uint64_t bytes) {
    return address >= base && address - base < bytes;
}

} // namespace vireo::difftest
