// Differential testing against the host CPU: random register-only instructions run natively
// (in a forked child, so a host fault cannot take the test down) and in the emulator, and
// their results are compared: all general-purpose registers but RSP, and the arithmetic
// flags the architecture defines for the instruction.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace vireo::emu::test {

struct DiffCase {
    std::vector<uint8_t> code; // one instruction
    uint64_t regs[16];         // initial GPRs (RSP ignored)
    uint64_t flags;            // initial RFLAGS (arithmetic bits random, IF set)
    uint64_t undefined_flags;  // flags the SDM leaves undefined after this instruction
    std::string family;
};

struct DiffResult {
    uint64_t regs[16];
    uint64_t flags;
};

// Generates a random case from the instruction families the generator knows.
DiffCase random_case(std::mt19937_64& rng);

// Runs the cases on the host CPU in a child process. Returns false if the child failed.
bool run_native(std::vector<DiffCase> const& cases, std::vector<DiffResult>& results);

// Runs one case in the emulator.
DiffResult run_emulated(DiffCase const& c);

// Describes a divergence, or returns "" when the results agree.
std::string compare(DiffCase const& c, DiffResult const& native, DiffResult const& emulated);

} // namespace vireo::emu::test
