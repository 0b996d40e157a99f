// Xbyak's Jcc, SETcc and CMOVcc in condition-code order (Intel SDM Vol. 1 Appendix B,
// Table B-1), so that a guest condition code selects the host instruction with the same one.
#pragma once

#include "emu/jit/assembler.h"

namespace vireo::emu::jit {

using CodeGen = Xbyak::CodeGenerator;
using JccFn = void (CodeGen::*)(Xbyak::Label const&, CodeGen::LabelType);
using SetccFn = void (CodeGen::*)(Xbyak::Operand const&);
using CmovFn = void (CodeGen::*)(Xbyak::Reg const&, Xbyak::Operand const&);

inline constexpr JccFn kJcc[16] = {&CodeGen::jo, &CodeGen::jno, &CodeGen::jb,  &CodeGen::jnb,
                                   &CodeGen::jz, &CodeGen::jnz, &CodeGen::jbe, &CodeGen::jnbe,
                                   &CodeGen::js, &CodeGen::jns, &CodeGen::jp,  &CodeGen::jnp,
                                   &CodeGen::jl, &CodeGen::jnl, &CodeGen::jle, &CodeGen::jnle};

inline constexpr SetccFn kSetcc[16] = {
    &CodeGen::seto, &CodeGen::setno, &CodeGen::setb,  &CodeGen::setnb,
    &CodeGen::setz, &CodeGen::setnz, &CodeGen::setbe, &CodeGen::setnbe,
    &CodeGen::sets, &CodeGen::setns, &CodeGen::setp,  &CodeGen::setnp,
    &CodeGen::setl, &CodeGen::setnl, &CodeGen::setle, &CodeGen::setnle};

inline constexpr CmovFn kCmov[16] = {
    &CodeGen::cmovo, &CodeGen::cmovno, &CodeGen::cmovb,  &CodeGen::cmovnb,
    &CodeGen::cmovz, &CodeGen::cmovnz, &CodeGen::cmovbe, &CodeGen::cmovnbe,
    &CodeGen::cmovs, &CodeGen::cmovns, &CodeGen::cmovp,  &CodeGen::cmovnp,
    &CodeGen::cmovl, &CodeGen::cmovnl, &CodeGen::cmovle, &CodeGen::cmovnle};

} // namespace vireo::emu::jit
