// Shifts and rotates (SHL SHR SAR ROL ROR RCL RCR) and SHLD/SHRD as the same host
// instructions, whose flag rules are the guest's: a masked count of 0 changes no flag, so
// a count in CL makes the flags an input (recipe.cpp).
#include <Zydis/Zydis.h>

#include "emu/cpu.h"
#include "emu/jit/conditions.h"
#include "emu/jit/patterns.h"

namespace vireo::emu::jit {

namespace {

constexpr unsigned kRcxSlot = 1;

using ShiftImmFn = void (CodeGen::*)(Xbyak::Operand const&, int);
using ShiftClFn = void (CodeGen::*)(Xbyak::Operand const&, Xbyak::Reg8 const&);

struct ShiftOp {
    ShiftImmFn by_imm;
    ShiftClFn by_cl;
};

ShiftOp shift_op(ZydisMnemonic m) {
    switch (m) {
    case ZYDIS_MNEMONIC_SHL:
        return {&CodeGen::shl, &CodeGen::shl};
    case ZYDIS_MNEMONIC_SHR:
        return {&CodeGen::shr, &CodeGen::shr};
    case ZYDIS_MNEMONIC_SAR:
        return {&CodeGen::sar, &CodeGen::sar};
    case ZYDIS_MNEMONIC_ROL:
        return {&CodeGen::rol, &CodeGen::rol};
    case ZYDIS_MNEMONIC_ROR:
        return {&CodeGen::ror, &CodeGen::ror};
    case ZYDIS_MNEMONIC_RCL:
        return {&CodeGen::rcl, &CodeGen::rcl};
    default:
        return {&CodeGen::rcr, &CodeGen::rcr};
    }
}

// The host's CL = the guest's CL.
void load_count(Emitter& e) {
    Xbyak::Reg64 const count = e.full(kRcxSlot, e.rcx);
    if (count.getIdx() != e.rcx.getIdx())
        e.mov(e.ecx, count.cvt32());
}

void shift(Emitter& e) {
    Insn const& in = e.insn();
    unsigned const size = in.op[0].size;
    ShiftOp const op = shift_op(static_cast<ZydisMnemonic>(in.mnemonic));
    bool const by_cl = in.op[1].kind == OpKind::Gpr;
    auto body = [&](Xbyak::Operand const& to) {
        e.host_flags();
        if (by_cl)
            (e.*op.by_cl)(to, e.cl);
        else
            (e.*op.by_imm)(to, static_cast<int>(in.imm & 0xff));
        e.flags_changed();
    };
    if (in.op[0].kind == OpKind::Mem) {
        Xbyak::Address const target = e.memory(size, Access::Write);
        if (by_cl)
            load_count(e);
        body(target);
        return;
    }
    if (by_cl)
        load_count(e);
    e.modify(in.op[0].reg, size, true, body);
}

void double_shift(Emitter& e) {
    Insn const& in = e.insn();
    unsigned const size = in.op[0].size;
    bool const left = in.mnemonic == ZYDIS_MNEMONIC_SHLD;
    bool const by_cl = in.op[2].kind == OpKind::Gpr;
    Xbyak::Reg const fill = e.in_register(e.source(in.op[1].reg, size), size, e.rdi);
    if (by_cl)
        load_count(e);
    e.modify(in.op[0].reg, size, true, [&](Xbyak::Operand const& to) {
        e.host_flags();
        auto const count = static_cast<uint8_t>(in.imm);
        if (left && by_cl)
            e.shld(to, fill, e.cl);
        else if (left)
            e.shld(to, fill, count);
        else if (by_cl)
            e.shrd(to, fill, e.cl);
        else
            e.shrd(to, fill, count);
        e.flags_changed();
    });
}

} // namespace

void emit_shift(Emitter& e) {
    if (e.step().recipe.kind == Kind::Shift)
        shift(e);
    else
        double_shift(e);
}

} // namespace vireo::emu::jit
