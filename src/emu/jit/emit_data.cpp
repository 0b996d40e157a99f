// Data movement: MOV, MOVZX/MOVSX/MOVSXD, LEA, XCHG r,r, BSWAP, CBW..CQO, SETcc, CMOVcc.
#include <Zydis/Zydis.h>

#include "emu/cpu.h"
#include "emu/jit/conditions.h"
#include "emu/jit/patterns.h"

namespace vireo::emu::jit {

namespace {

constexpr unsigned kRax = 0;
constexpr unsigned kRdx = 16;

// The immediate of a MOV of `size` bytes. MOV r64, imm64 carries all 64 bits; the other
// forms are narrower and MOV r/m64, imm32 sign-extends (Intel SDM Vol. 2B "MOV").
uint64_t move_immediate(uint64_t imm, unsigned size) {
    return size == 8 ? imm : imm & size_mask(size);
}

// MOV `to`, `from` where both may be memory: through `scratch`.
void copy(Emitter& e, Xbyak::Operand const& to, Xbyak::Operand const& from, unsigned size,
          Xbyak::Reg64 const& scratch) {
    if (to.isMEM() && from.isMEM()) {
        Xbyak::Reg const value = part(scratch, size);
        e.mov(value, from);
        e.mov(to, value);
    } else {
        e.mov(to, from);
    }
}

void move(Emitter& e) {
    Insn const& in = e.insn();
    Operand const& dst = in.op[0];
    Operand const& src = in.op[1];
    unsigned const size = dst.size;
    if (dst.kind == OpKind::Mem) {
        Xbyak::Address const target = e.memory(size, Access::Write);
        if (src.kind == OpKind::Imm)
            e.mov(target, move_immediate(in.imm, size));
        else
            e.mov(target, e.in_register(e.source(src.reg, size), size, e.rcx));
    } else if (src.kind == OpKind::Mem) {
        Xbyak::Address const value = e.memory(size, Access::Read);
        e.modify(dst.reg, size, false,
                 [&](Xbyak::Operand const& to) { copy(e, to, value, size, e.rcx); });
    } else if (src.kind == OpKind::Imm) {
        e.modify(dst.reg, size, false,
                 [&](Xbyak::Operand const& to) { e.mov(to, move_immediate(in.imm, size)); });
    } else {
        Loc const from = e.source(src.reg, size);
        e.modify(dst.reg, size, false,
                 [&](Xbyak::Operand const& to) { copy(e, to, from.op(), size, e.rcx); });
    }
}

void extend(Emitter& e) {
    Insn const& in = e.insn();
    unsigned const to_size = in.op[0].size;
    unsigned const from_size = in.op[1].size;
    auto const m = static_cast<ZydisMnemonic>(in.mnemonic);
    auto body = [&](Xbyak::Operand const& from) {
        e.modify(in.op[0].reg, to_size, false, [&](Xbyak::Operand const& to) {
            Xbyak::Reg const& reg = to.getReg();
            if (to_size == from_size) // MOVZX/MOVSX r16, r/m16, MOVSXD r32, r/m32: a move
                e.mov(reg, from);
            else if (m == ZYDIS_MNEMONIC_MOVSXD)
                e.movsxd(Xbyak::Reg64(reg.getIdx()), from);
            else if (m == ZYDIS_MNEMONIC_MOVZX)
                e.movzx(reg, from);
            else
                e.movsx(reg, from);
        });
    };
    if (in.op[1].kind == OpKind::Mem)
        body(e.memory(from_size, Access::Read));
    else
        body(e.source(in.op[1].reg, from_size).op());
}

void lea(Emitter& e) {
    Insn const& in = e.insn();
    e.load_address_registers();
    e.modify(in.op[0].reg, in.op[0].size, false,
             [&](Xbyak::Operand const& to) { e.effective_address(to.getReg()); });
}

void exchange(Emitter& e) {
    Insn const& in = e.insn();
    unsigned const size = in.op[0].size;
    Xbyak::Reg const first = part(e.rcx, size);
    e.mov(first, e.source(in.op[0].reg, size).op());
    Loc const second = e.source(in.op[1].reg, size);
    e.modify(in.op[0].reg, size, size < 4,
             [&](Xbyak::Operand const& to) { copy(e, to, second.op(), size, e.rdi); });
    e.modify(in.op[1].reg, size, size < 4, [&](Xbyak::Operand const& to) { e.mov(to, first); });
}

void byte_swap(Emitter& e) {
    Insn const& in = e.insn();
    unsigned const size = in.op[0].size;
    e.modify(in.op[0].reg, size, true, [&](Xbyak::Operand const& to) {
        int const idx = to.getReg().getIdx();
        if (size == 8)
            e.bswap(Xbyak::Reg64(idx));
        else
            e.bswap(Xbyak::Reg32(idx));
    });
}

// CBW/CWDE/CDQE widen the accumulator in place; CWD/CDQ/CQO spread its sign over rDX (Intel
// SDM Vol. 2A "CBW/CWDE/CDQE", "CWD/CDQ/CQO"), done by the host instruction in RAX/RDX.
void accumulator(Emitter& e) {
    auto const m = static_cast<ZydisMnemonic>(e.insn().mnemonic);
    if (m == ZYDIS_MNEMONIC_CBW || m == ZYDIS_MNEMONIC_CWDE || m == ZYDIS_MNEMONIC_CDQE) {
        unsigned const size = m == ZYDIS_MNEMONIC_CBW ? 2 : m == ZYDIS_MNEMONIC_CWDE ? 4 : 8;
        e.modify(kRax, size, true, [&](Xbyak::Operand const& to) {
            Xbyak::Reg64 const whole(to.getIdx());
            if (size == 8)
                e.movsxd(whole, whole.cvt32());
            else
                e.movsx(to.getReg(), part(whole, size / 2));
        });
        return;
    }
    unsigned const size = m == ZYDIS_MNEMONIC_CWD ? 2 : m == ZYDIS_MNEMONIC_CDQ ? 4 : 8;
    Xbyak::Reg64 const value = e.full(kRax / 8, e.rax);
    if (value.getIdx() != e.rax.getIdx())
        e.mov(e.rax, value);
    if (size == 2)
        e.cwd();
    else if (size == 4)
        e.cdq();
    else
        e.cqo();
    e.mov(e.rcx, e.rdx);
    e.modify(kRdx, size, size < 4, [&](Xbyak::Operand const& to) { e.mov(to, part(e.rcx, size)); });
}

void set_condition(Emitter& e) {
    Insn const& in = e.insn();
    SetccFn const setcc = kSetcc[e.step().recipe.cc];
    if (in.op[0].kind == OpKind::Mem) {
        Xbyak::Address const target = e.memory(1, Access::Write);
        e.host_flags();
        (e.*setcc)(target);
        return;
    }
    e.host_flags();
    e.modify(in.op[0].reg, 1, true, [&](Xbyak::Operand const& to) { (e.*setcc)(to); });
}

// A 32-bit CMOV writes its destination, zero-extended, whatever the condition, and reads a
// memory source whatever the condition (Intel SDM Vol. 2A "CMOVcc"): so does the host.
void conditional_move(Emitter& e) {
    Insn const& in = e.insn();
    unsigned const size = in.op[0].size;
    CmovFn const cmov = kCmov[e.step().recipe.cc];
    auto body = [&](Xbyak::Operand const& from) {
        e.host_flags();
        e.modify(in.op[0].reg, size, true,
                 [&](Xbyak::Operand const& to) { (e.*cmov)(to.getReg(), from); });
    };
    if (in.op[1].kind == OpKind::Mem)
        body(e.memory(size, Access::Read));
    else
        body(e.source(in.op[1].reg, size).op());
}

} // namespace

void emit_data_move(Emitter& e) {
    switch (e.step().recipe.kind) {
    case Kind::Mov:
        move(e);
        break;
    case Kind::Extend:
        extend(e);
        break;
    case Kind::Lea:
        lea(e);
        break;
    case Kind::Xchg:
        exchange(e);
        break;
    case Kind::Bswap:
        byte_swap(e);
        break;
    case Kind::Accumulator:
        accumulator(e);
        break;
    case Kind::Setcc:
        set_condition(e);
        break;
    default:
        conditional_move(e);
        break;
    }
}

} // namespace vireo::emu::jit
