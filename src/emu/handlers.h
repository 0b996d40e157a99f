// Registration functions of the instruction handler files (see registry.h).
#pragma once

#include "emu/registry.h"

namespace vireo::emu {

void register_alu(Registry& registry);       // exec_alu.cpp: ADD..CMP, TEST, INC/DEC/NEG/NOT
void register_move(Registry& registry);      // exec_move.cpp: MOV, MOVZX/SX, LEA, XCHG, CMOVcc...
void register_shift(Registry& registry);     // exec_shift.cpp: shifts, rotates, SHLD/SHRD
void register_muldiv(Registry& registry);    // exec_muldiv.cpp: MUL, IMUL, DIV, IDIV
void register_bits(Registry& registry);      // exec_bits.cpp: BT*, BSF/BSR, POPCNT, BSWAP, SETcc
void register_control(Registry& registry);   // exec_control.cpp: JMP, Jcc, CALL, RET, LOOP...
void register_stack(Registry& registry);     // exec_stack.cpp: PUSH, POP, ENTER, LEAVE, PUSHF
void register_string(Registry& registry);    // exec_string.cpp: MOVS, STOS, CMPS, SCAS, LODS
void register_atomic(Registry& registry);    // exec_atomic.cpp: LOCK forms, XADD, CMPXCHG*
void register_system(Registry& registry);    // exec_system.cpp: MOV CR/DR, LGDT, CPUID, MSRs...
void register_segment(Registry& registry);   // exec_segment.cpp: MOV Sreg, far JMP/CALL/RET, IRET
void register_io(Registry& registry);        // exec_io.cpp: IN, OUT, INS, OUTS
void register_misc(Registry& registry);      // exec_misc.cpp: NOPs, flags, CBW..., fences
void register_fpu_state(Registry& registry); // exec_fpu_state.cpp: FXSAVE, FXRSTOR, MXCSR, FNINIT

// The x87/MMX/SSE implementation.
void register_sse(Registry& registry); // exec_sse*.cpp: SSE and SSE2 (sse_util.h)
void register_mmx(Registry& registry); // exec_mmx.cpp: MMX and its SSE additions, EMMS
void register_x87(Registry& registry); // exec_x87*.cpp: x87 arithmetic and state (x87_util.h)

// The handler of instructions vireo does not implement: #UD.
void handle_undefined(Cpu& cpu, Insn const& insn);

} // namespace vireo::emu
