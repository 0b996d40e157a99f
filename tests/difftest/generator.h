// The random program generator: from a seed, a program of `length` instruction groups drawn
// from the selected classes, with a random initial state (registers, flags, x87/SSE state,
// data and stack buffers). The same seed and options always give the same program.
#pragma once

#include <cstdint>

#include "classes.h"
#include "machine_state.h"

namespace vireo::difftest {

struct GeneratorOptions {
    ClassMask classes = kAllClasses;
    unsigned min_length = 5;
    unsigned max_length = 50;
};

Program generate_program(uint64_t seed, GeneratorOptions const& options);

// Checks what the rest of the tester relies on in a program: every recorded instruction
// decodes with its recorded length and they tile the code; relative branches land on a later
// instruction start or the final HLT; the last instruction is that HLT. Returns the first problem,
// or an empty string.
std::string check_program(Program const& program);

// Encodes every template a number of times and returns the mnemonics of those that never
// produced an instruction (a mistake in a template table), one per line; empty if none.
std::string check_templates();

} // namespace vireo::difftest
