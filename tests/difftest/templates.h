// Instruction templates: a table row names a mnemonic, the class it belongs to and a shape,
// the function that builds one group for it (operands, set-up, the instruction). The tables
// live in templates_*.cpp, one file per family.
#pragma once

#include <cstdint>
#include <span>

#include "builder.h"

namespace vireo::difftest {

struct Template;
using EmitFn = void (*)(Builder&, Template const&);

// Operand sizes a template allows (bit n: 1 << n bytes).
inline constexpr uint8_t kS1 = 1 << 0;
inline constexpr uint8_t kS2 = 1 << 1;
inline constexpr uint8_t kS4 = 1 << 2;
inline constexpr uint8_t kS8 = 1 << 3;
inline constexpr uint8_t kS248 = kS2 | kS4 | kS8;
inline constexpr uint8_t kSAll = kS1 | kS248;

// Template traits the generator must know about.
enum TemplateTrait : uint8_t {
    kChangesRsp = 1 << 0, // not inside a branch's skipped range: RSP must be known statically
    kIsBranch = 1 << 1,   // opens a branch: not while one is open
};

struct Template {
    InsnClass cls;
    EmitFn emit;
    ZydisMnemonic mnemonic;
    uint8_t sizes = 0;  // integer shapes: kS*; SIMD and x87 shapes: memory operand bytes
    uint8_t option = 0; // shape-specific
    uint8_t traits = 0;
};

std::span<Template const> integer_templates();
std::span<Template const> control_templates(); // stack, branch, string, atomic
std::span<Template const> simd_templates();    // SSE, SSE2, MMX
std::span<Template const> x87_templates();     // x87, FXSR

// A random size among `sizes`, in bytes.
unsigned pick_size(Builder& b, uint8_t sizes);

} // namespace vireo::difftest
