// The block executor: runs pre-decoded blocks back to back and turns guest faults into
// exception delivery. It is the one piece a JIT would replace: its contract is "run guest
// code from the current Cpu state until an event needs the vCPU loop", nothing more.
#pragma once

#include <cstdint>

#include "emu/block_cache.h"
#include "emu/cpu.h"
#include "emu/fault.h"
#include "emu/trace_ring.h"

namespace vireo::emu {

enum class ExecStatus {
    Event,       // Cpu::events has something, or the instruction budget ran out
    Halted,      // HLT: the vCPU loop waits for an interrupt
    TripleFault, // shutdown
    Exception,   // a fault with Cpu::stop_on_exception set (tests): see ExecResult::fault
};

struct ExecResult {
    ExecStatus status;
    GuestFault fault{};
};

// Runs until an event is pending, the processor halts or shuts down, or about
// `max_instructions` have run (whole blocks are run, so a few more may).
ExecResult execute(Cpu& cpu, BlockCache& cache, uint64_t max_instructions = ~0ULL,
                   TraceRing* trace = nullptr);

} // namespace vireo::emu
