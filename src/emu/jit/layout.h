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
    // The TLB tables of Tlb::table(), by privilege (0 supervisor, 1 user).
    int32_t tlb_read[2] = {};
    int32_t tlb_write[2] = {};

    static CpuLayout of(Cpu& cpu);
};

} // namespace vireo::emu::jit
