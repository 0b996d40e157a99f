// How the translator handles each pre-decoded instruction: which host code pattern it gets
// (its Kind), which guest flags it reads and which it defines, and whether it touches guest
// memory (and so may fault). Instructions without a native pattern get Kind::Helper: their
// interpreter handler is called from translated code, so every block can be translated.
#pragma once

#include <cstdint>

#include "emu/flags.h"
#include "emu/insn.h"

namespace vireo::emu::jit {

enum class Kind : uint8_t {
    Helper,
    Nop,
    Mov,          // MOV r/m, r/m/imm
    Extend,       // MOVZX, MOVSX, MOVSXD
    Lea,          // LEA
    Xchg,         // XCHG r, r
    Alu,          // ADD OR ADC SBB AND SUB XOR CMP TEST
    Unary,        // INC DEC NEG NOT
    Shift,        // SHL SHR SAR ROL ROR RCL RCR by imm or CL
    DoubleShift,  // SHLD SHRD r, r, imm/CL
    MulWide,      // MUL, IMUL r/m: rDX:rAX
    Imul,         // IMUL r, r/m and IMUL r, r/m, imm
    BitTest,      // BT BTS BTR BTC r, r/imm
    Bswap,        // BSWAP r32/r64
    Popcnt,       // POPCNT r, r/m
    Setcc,        // SETcc r/m8
    Cmov,         // CMOVcc r, r/m
    Accumulator,  // CBW CWDE CDQE CWD CDQ CQO
    CarryFlag,    // CLC STC CMC
    Push,         // PUSH r/imm
    Pop,          // POP r
    Jmp,          // JMP rel
    Jcc,          // Jcc rel
    Call,         // CALL rel
    Ret,          // RET, RET imm16
    JmpIndirect,  // JMP r/m64
    CallIndirect, // CALL r/m64
};

struct Recipe {
    Kind kind = Kind::Helper;
    uint8_t cc = 0;      // condition code of Jcc, SETcc, CMOVcc
    bool memory = false; // accesses guest memory through the TLB (a possible fault)
    uint64_t reads = 0;  // guest flags it reads (RFLAGS bits)
    uint64_t writes = 0; // guest flags it always defines (RFLAGS bits)
};

// The recipe of `insn`. Only instructions decoded with their standard handler get a native
// recipe (far JMP/CALL/RET share mnemonics with near ones and keep their helpers).
Recipe recipe_for(Insn const& insn);

// True for recipes that end a block (control transfers).
bool is_branch(Kind kind);

// Whether the recipe can fault, so that the guest flags must be in the frame before it:
// exception delivery saves RFLAGS as they were before the faulting instruction.
inline bool may_fault(Recipe const& recipe) {
    return recipe.memory || recipe.kind == Kind::Helper;
}

} // namespace vireo::emu::jit
