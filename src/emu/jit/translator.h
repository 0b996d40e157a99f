// Turns a decoded block into host code in the code cache: plans each instruction (its
// recipe, its address, which flags are live after it), picks the guest registers to cache
// in host registers, and drives the Emitter. A translation is specialised to the linear
// RIP and the privilege level it was made for: RIP-relative operands and branch targets
// become constants, and chain links never cross a privilege change.
#pragma once

#include <cstdint>

#include "emu/block_cache.h"
#include "emu/jit/code_cache.h"
#include "emu/jit/emitter.h"

namespace vireo::emu::jit {

struct Translation {
    void const* code = nullptr;
    uint64_t rip = 0;
    uint8_t cpl = 0;
    uint8_t retranslations = 0; // how often this block was translated for another RIP
};

enum class TranslateStatus {
    Done,
    Full,   // the code cache has no room: flush it and try again
    Failed, // the block cannot be assembled (a bug worth a trace line, not a crash)
};

struct TranslateResult {
    TranslateStatus status;
    Translation* translation = nullptr;
};

TranslateResult translate(CodeCache& cache, EmitEnv const& env, Block const& block, uint64_t rip,
                          uint8_t cpl);

} // namespace vireo::emu::jit
