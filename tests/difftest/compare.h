// Comparing a native outcome with an emulated one, and describing programs and outcomes for
// the person who has to act on a divergence.
#pragma once

#include <string>
#include <vector>

#include "machine_state.h"

namespace vireo::difftest {

struct Difference {
    std::string what; // "rax", "rflags", "xmm3", "data[0x120..0x127]", "stop"...
    std::string native;
    std::string emulated;
};

// Everything architecturally defined that differs: how the run stopped (vector, error code,
// CR2), GPRs, RIP, RFLAGS (without the flags left undefined where the program stopped),
// x87 control/status/tag words and valid registers, MXCSR, XMM registers, the data buffer
// (without the bytes FXSAVE leaves undefined) and the stack buffer.
std::vector<Difference> compare_outcomes(Program const& program, Outcome const& native,
                                         Outcome const& emulated);

// The kinds of state that differ, e.g. "gpr,rflags" or "#PF error code", for tallies.
std::string summarize(std::vector<Difference> const& differences);

// "end (HLT: #GP)", "#PF (error 0x6, CR2 0x202000) at 0x100034", "time-out"...
std::string describe_stop(Program const& program, Outcome const& outcome);

// The program listing: address, bytes, disassembly, class; `mark` flags one instruction.
std::string format_program(Program const& program, uint64_t mark = 0);

// The initial registers, for --verbose.
std::string format_state(MachineState const& state);

// Disassembly of the instruction at `address`.
std::string disassemble_at(Program const& program, uint64_t address);

} // namespace vireo::difftest
