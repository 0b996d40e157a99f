// A differential-test session: generate programs from consecutive seeds, run each natively
// and in the emulator, compare, and report divergences with what reproduces them.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>

#include "base/result.h"
#include "emulated_runner.h"
#include "generator.h"

namespace vireo::difftest {

struct SessionOptions {
    uint64_t seed = 1; // program i uses seed + i
    uint64_t count = 1000;
    double time_limit_seconds = 0; // 0: none
    GeneratorOptions generator;
    Sabotage sabotage = Sabotage::None;
    bool verbose = false;
    unsigned full_reports = 5; // divergences reported with their listing; the rest in a line
    unsigned analyses = 40;    // divergences whose first differing instruction is searched
    // Cuts every program before this instruction (HLT from there on), to bisect by hand.
    std::optional<size_t> cut;
};

struct SessionResult {
    uint64_t sequences = 0;
    uint64_t instructions = 0;
    uint64_t divergences = 0;
    // "mnemonic (class)" of the first instruction after which the runs differ -> count.
    std::map<std::string, uint64_t> culprits;
};

Result<SessionResult> run_session(SessionOptions const& options, std::FILE* out);

// The command line that reproduces one program.
std::string reproduce_command(uint64_t seed, SessionOptions const& options);

} // namespace vireo::difftest
