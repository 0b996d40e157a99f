// Instruction classes: the unit in which the generator is steered (--classes), so that a
// developer can bisect a divergence to the instructions that cause it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace vireo::difftest {

enum class InsnClass : uint8_t {
    Setup,  // register and flag set-up the generator adds around the instruction under test
    Alu,    // ADD..CMP, TEST, INC/DEC/NEG/NOT
    Shift,  // shifts, rotates, SHLD/SHRD
    Bits,   // BT*, BSF/BSR, POPCNT, BSWAP
    MulDiv, // MUL, IMUL, DIV, IDIV
    Move,   // MOV, MOVZX/SX, LEA, XCHG, CMOVcc, SETcc, CBW..., XLAT, NOPs
    Flags,  // CLC/STC/CMC, LAHF/SAHF, PUSHF/POPF
    Stack,  // PUSH/POP, CALL/RET, ENTER/LEAVE
    Branch, // Jcc, JMP, JRCXZ, LOOPcc, indirect JMP (forward only)
    String, // MOVS/STOS/LODS/CMPS/SCAS with and without REP, both directions
    Atomic, // LOCK-prefixed read-modify-writes, XCHG with memory, XADD, CMPXCHG*
    Sse,    // SSE (and the SSE additions to MMX)
    Sse2,   // SSE2
    Mmx,    // MMX
    X87,    // x87 floating point
    Fxsr,   // FXSAVE/FXRSTOR, LDMXCSR/STMXCSR, FLDCW/FNSTCW, FNINIT/FNCLEX, EMMS
    Count,
};
inline constexpr unsigned kClassCount = static_cast<unsigned>(InsnClass::Count);

using ClassMask = uint32_t;
inline constexpr ClassMask class_bit(InsnClass cls) {
    return 1U << static_cast<unsigned>(cls);
}
// Every class the generator can draw from (Setup is never drawn: it comes with the others).
inline constexpr ClassMask kAllClasses = ((1U << kClassCount) - 1) & ~class_bit(InsnClass::Setup);

std::string_view class_name(InsnClass cls);
std::string class_list(ClassMask mask);

// Parses "all", "alu,shift", "all,-x87" (a leading '-' removes a class).
Result<ClassMask> parse_classes(std::string_view text);

} // namespace vireo::difftest
