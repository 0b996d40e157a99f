// Where translated code finds a vCPU's state: byte offsets from the Cpu it runs on (held in
// RBX). Cpu is not a standard-layout type, so offsetof does not apply; the offsets are
// measured on the live Cpu a Jit serves.
#pragma once

#include <cstdint>

#include "emu/cpu.h"

namespace vireo::emu::jit {

struct CpuLayout {
    int32_t regs = 0;   // Cpu::regs[0]; a GPR operand's byte offset is added to it
    int32_t rip = 0;    // Cpu::regs[kRegRip]
    int32_t events = 0; // Cpu::events
    int32_t segment_base[kSegCount] = {};
    // Cpu::tlb_read and Cpu::tlb_write: the data TLB tables for the current privilege, or an
    // empty table while alignment checking is armed (cpu.h), so the fast path never checks.
    int32_t tlb_read = 0;
    int32_t tlb_write = 0;

    static CpuLayout of(Cpu& cpu);
};

} // namespace vireo::emu::jit
