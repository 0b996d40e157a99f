// The host code of each native recipe (recipe.h), written between Emitter::begin() and
// Emitter::end(). Host and guest share the instruction set, so most guest instructions
// become the same host instruction on the guest's operands, producing exactly the guest's
// results and flags. Every pattern makes its memory checks before it writes a guest
// register, so that a TLB miss can hand the whole instruction to the interpreter.
#pragma once

#include "emu/jit/emitter.h"

namespace vireo::emu::jit {

// Instructions that do not end the block. Kind::Helper and Kind::Nop included.
void emit_instruction(Emitter& e);

// The branch that ends a block, and its exits: `taken` links the branch target,
// `fallthrough` the next instruction (Jcc only). Calls Emitter::end() itself.
void emit_branch(Emitter& e, ChainSlot* taken, ChainSlot* fallthrough);

// The groups emit_instruction() dispatches to.
void emit_data_move(Emitter& e);  // Mov Extend Lea Xchg Bswap Accumulator Setcc Cmov
void emit_stack(Emitter& e);      // Push Pop
void emit_arithmetic(Emitter& e); // Alu Unary CarryFlag Popcnt BitTest
void emit_shift(Emitter& e);      // Shift DoubleShift
void emit_multiply(Emitter& e);   // MulWide Imul

// An immediate as Xbyak expects it for an operation of `size` bytes: sign-extended to 32
// bits (its encodings carry at most 32 immediate bits, sign-extended for 64-bit operands).
uint32_t imm32(uint64_t imm, unsigned size);

} // namespace vireo::emu::jit
