// Zydis decoding of one instruction into vireo's pre-decoded form (insn.h), with its
// handler looked up in the registry.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "emu/cpu.h"
#include "emu/insn.h"

namespace vireo::emu {

struct Decoded {
    Insn insn;
    uint8_t flags = 0;  // HandlerFlag
    bool valid = false; // false: undecodable bytes (the handler raises #UD)
};

// Decodes the instruction at the start of `bytes` (`available` of them readable, at most
// 15 are looked at). An instruction longer than `available` comes back invalid with
// length 0, so the caller can fetch more bytes.
Decoded decode_instruction(CodeMode mode, uint8_t const* bytes, size_t available);

// The disassembly of the instruction at `bytes`, for traces and crash reports.
std::string disassemble(CodeMode mode, uint8_t const* bytes, size_t available, uint64_t rip);

} // namespace vireo::emu
