// Integer arithmetic and logic as the same host instructions: ADD OR ADC SBB AND SUB XOR CMP
// TEST, INC DEC NEG NOT, CLC STC CMC, POPCNT, BT BTS BTR BTC on registers.
#include <optional>

#include <Zydis/Zydis.h>

#include "emu/cpu.h"
#include "emu/jit/conditions.h"
#include "emu/jit/patterns.h"

namespace vireo::emu::jit {

namespace {

using BinaryFn = void (CodeGen::*)(Xbyak::Operand const&, Xbyak::Operand const&);
using ImmediateFn = void (CodeGen::*)(Xbyak::Operand const&, uint32_t);
using UnaryFn = void (CodeGen::*)(Xbyak::Operand const&);
using BitFn = void (CodeGen::*)(Xbyak::Operand const&, Xbyak::Reg const&);
using BitImmediateFn = void (CodeGen::*)(Xbyak::Operand const&, uint8_t);

struct AluOp {
    BinaryFn with_operand;
    ImmediateFn with_immediate;
    bool writes;
};

AluOp alu_op(ZydisMnemonic m) {
    switch (m) {
    case ZYDIS_MNEMONIC_ADD:
        return {&CodeGen::add, &CodeGen::add, true};
    case ZYDIS_MNEMONIC_OR:
        return {&CodeGen::or_, &CodeGen::or_, true};
    case ZYDIS_MNEMONIC_ADC:
        return {&CodeGen::adc, &CodeGen::adc, true};
    case ZYDIS_MNEMONIC_SBB:
        return {&CodeGen::sbb, &CodeGen::sbb, true};
    case ZYDIS_MNEMONIC_AND:
        return {&CodeGen::and_, &CodeGen::and_, true};
    case ZYDIS_MNEMONIC_SUB:
        return {&CodeGen::sub, &CodeGen::sub, true};
    case ZYDIS_MNEMONIC_XOR:
        return {&CodeGen::xor_, &CodeGen::xor_, true};
    case ZYDIS_MNEMONIC_CMP:
        return {&CodeGen::cmp, &CodeGen::cmp, false};
    default: // TEST, whose register form takes a Reg: see apply_alu()
        return {nullptr, &CodeGen::test, false};
    }
}

// `to` op= `from` (an operand, at most one of the two in memory), or `to` op= the
// instruction's immediate when `from` is null.
void apply_alu(Emitter& e, AluOp const& op, Xbyak::Operand const& to, Xbyak::Operand const* from) {
    unsigned const size = to.getBit() / 8;
    e.host_flags();
    if (from == nullptr)
        (e.*op.with_immediate)(to, imm32(e.insn().imm, size));
    else if (op.with_operand != nullptr)
        (e.*op.with_operand)(to, *from);
    else if (from->isREG())
        e.test(to, from->getReg());
    else
        e.test(*from, to.getReg()); // TEST is commutative
    e.flags_changed();
}

void alu(Emitter& e) {
    Insn const& in = e.insn();
    unsigned const size = in.op[0].size;
    AluOp const op = alu_op(static_cast<ZydisMnemonic>(in.mnemonic));
    Operand const& src = in.op[1];
    if (in.op[0].kind == OpKind::Mem) {
        Xbyak::Address const target = e.memory(size, op.writes ? Access::Write : Access::Read);
        if (src.kind == OpKind::Imm) {
            apply_alu(e, op, target, nullptr);
        } else {
            Xbyak::Reg const value = e.in_register(e.source(src.reg, size), size, e.rcx);
            apply_alu(e, op, target, &value);
        }
        return;
    }
    std::optional<Xbyak::Address> memory_source;
    std::optional<Loc> register_source;
    Xbyak::Operand const* from = nullptr;
    if (src.kind == OpKind::Mem) {
        memory_source = e.memory(size, Access::Read);
        from = &*memory_source;
    } else if (src.kind == OpKind::Gpr) {
        register_source = e.source(src.reg, size);
        from = &register_source->op();
    }
    auto body = [&](Xbyak::Operand const& to) {
        if (to.isMEM() && from != nullptr && from->isMEM()) {
            Xbyak::Reg const value = part(e.rcx, size);
            e.mov(value, *from);
            apply_alu(e, op, to, &value);
        } else {
            apply_alu(e, op, to, from);
        }
    };
    if (op.writes)
        e.modify(in.op[0].reg, size, true, body);
    else
        body(e.source(in.op[0].reg, size).op());
}

UnaryFn unary_op(ZydisMnemonic m) {
    switch (m) {
    case ZYDIS_MNEMONIC_INC:
        return &CodeGen::inc;
    case ZYDIS_MNEMONIC_DEC:
        return &CodeGen::dec;
    case ZYDIS_MNEMONIC_NEG:
        return &CodeGen::neg;
    default:
        return &CodeGen::not_;
    }
}

void unary(Emitter& e) {
    Insn const& in = e.insn();
    unsigned const size = in.op[0].size;
    auto const m = static_cast<ZydisMnemonic>(in.mnemonic);
    UnaryFn const op = unary_op(m);
    bool const flags = m != ZYDIS_MNEMONIC_NOT; // NOT changes no flag
    auto body = [&](Xbyak::Operand const& to) {
        if (flags)
            e.host_flags();
        (e.*op)(to);
        if (flags)
            e.flags_changed();
    };
    if (in.op[0].kind == OpKind::Mem)
        body(e.memory(size, Access::Write));
    else
        e.modify(in.op[0].reg, size, true, body);
}

void carry_flag(Emitter& e) {
    e.host_flags();
    switch (static_cast<ZydisMnemonic>(e.insn().mnemonic)) {
    case ZYDIS_MNEMONIC_CLC:
        e.clc();
        break;
    case ZYDIS_MNEMONIC_STC:
        e.stc();
        break;
    default:
        e.cmc();
        break;
    }
    e.flags_changed();
}

void population_count(Emitter& e) {
    Insn const& in = e.insn();
    unsigned const size = in.op[0].size;
    auto body = [&](Xbyak::Operand const& from) {
        e.modify(in.op[0].reg, size, false, [&](Xbyak::Operand const& to) {
            e.host_flags();
            e.popcnt(to.getReg(), from);
            e.flags_changed();
        });
    };
    if (in.op[1].kind == OpKind::Mem)
        body(e.memory(size, Access::Read));
    else
        body(e.source(in.op[1].reg, size).op());
}

// BT* on a register: the bit offset is taken modulo the operand width, as the host does for
// register operands (Intel SDM Vol. 2A "BT"); memory forms stay with the interpreter.
void bit_test(Emitter& e) {
    Insn const& in = e.insn();
    unsigned const size = in.op[0].size;
    auto const m = static_cast<ZydisMnemonic>(in.mnemonic);
    bool const immediate = in.op[1].kind == OpKind::Imm;
    std::optional<Xbyak::Reg> offset;
    if (!immediate)
        offset = e.in_register(e.source(in.op[1].reg, size), size, e.rcx);
    auto body = [&](Xbyak::Operand const& to, BitFn with_reg, BitImmediateFn with_imm) {
        e.host_flags();
        if (immediate)
            (e.*with_imm)(to, static_cast<uint8_t>(in.imm));
        else
            (e.*with_reg)(to, *offset);
        e.flags_changed();
    };
    switch (m) {
    case ZYDIS_MNEMONIC_BT:
        body(e.in_register(e.source(in.op[0].reg, size), size, e.rdx), &CodeGen::bt, &CodeGen::bt);
        return;
    case ZYDIS_MNEMONIC_BTS:
        e.modify(in.op[0].reg, size, true,
                 [&](Xbyak::Operand const& to) { body(to, &CodeGen::bts, &CodeGen::bts); });
        return;
    case ZYDIS_MNEMONIC_BTR:
        e.modify(in.op[0].reg, size, true,
                 [&](Xbyak::Operand const& to) { body(to, &CodeGen::btr, &CodeGen::btr); });
        return;
    default:
        e.modify(in.op[0].reg, size, true,
                 [&](Xbyak::Operand const& to) { body(to, &CodeGen::btc, &CodeGen::btc); });
        return;
    }
}

} // namespace

uint32_t imm32(uint64_t imm, unsigned size) {
    if (size == 2)
        return static_cast<uint32_t>(static_cast<int32_t>(static_cast<int16_t>(imm)));
    if (size == 1)
        return static_cast<uint32_t>(imm & 0xff);
    return static_cast<uint32_t>(imm);
}

void emit_arithmetic(Emitter& e) {
    switch (e.step().recipe.kind) {
    case Kind::Alu:
        alu(e);
        break;
    case Kind::Unary:
        unary(e);
        break;
    case Kind::CarryFlag:
        carry_flag(e);
        break;
    case Kind::Popcnt:
        population_count(e);
        break;
    default:
        bit_test(e);
        break;
    }
}

} // namespace vireo::emu::jit
