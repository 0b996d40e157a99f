// PUSH and POP of registers and immediates, CALL, RET and JMP, and the dispatch of the
// other instruction groups. Stack accesses go through the TLB like any other; RSP changes
// only once the access has been checked (Intel SDM Vol. 2B "PUSH", "POP").
#include "emu/cpu.h"
#include "emu/jit/conditions.h"
#include "emu/jit/patterns.h"

namespace vireo::emu::jit {

namespace {

constexpr unsigned kRsp = static_cast<unsigned>(x86::Gpr::Rsp) * 8;

void adjust_rsp(Emitter& e, int32_t delta) {
    e.modify(kRsp, 8, true,
             [&](Xbyak::Operand const& rsp) { e.lea(rsp.getReg(), e.ptr[rsp.getReg() + delta]); });
}

// Stores a 64-bit constant at `target`, through RDX when it is wider than a
// sign-extended imm32.
void store_constant(Emitter& e, Xbyak::Address const& target, uint64_t value) {
    if (static_cast<int64_t>(value) == static_cast<int32_t>(value)) {
        e.mov(target, value);
    } else {
        e.mov(e.rdx, value);
        e.mov(target, e.rdx);
    }
}

void push(Emitter& e) {
    Insn const& in = e.insn();
    unsigned const size = in.operand_size;
    auto const offset = -static_cast<int32_t>(size);
    if (in.op[0].kind == OpKind::Imm) {
        Xbyak::Address const slot = e.stack(offset, size, Access::Write);
        e.mov(slot, size == 8 ? in.imm : in.imm & 0xffff);
    } else {
        // PUSH RSP pushes the value from before the instruction.
        Loc const value = e.source(in.op[0].reg, size);
        Xbyak::Address const slot = e.stack(offset, size, Access::Write);
        e.mov(slot, e.in_register(value, size, e.rcx));
    }
    adjust_rsp(e, offset);
}

void pop(Emitter& e) {
    Insn const& in = e.insn();
    unsigned const size = in.op[0].size;
    Xbyak::Address const slot = e.stack(0, size, Access::Read);
    Xbyak::Reg const value = part(e.rcx, size);
    e.mov(value, slot);
    // POP RSP ends with the popped value in RSP: the increment comes first.
    adjust_rsp(e, static_cast<int32_t>(size));
    e.modify(in.op[0].reg, size, size < 4, [&](Xbyak::Operand const& to) { e.mov(to, value); });
}

} // namespace

void emit_stack(Emitter& e) {
    if (e.step().recipe.kind == Kind::Push)
        push(e);
    else
        pop(e);
}

void emit_instruction(Emitter& e) {
    switch (e.step().recipe.kind) {
    case Kind::Helper:
        e.helper();
        break;
    case Kind::Nop:
        break;
    case Kind::Mov:
    case Kind::Extend:
    case Kind::Lea:
    case Kind::Xchg:
    case Kind::Bswap:
    case Kind::Accumulator:
    case Kind::Setcc:
    case Kind::Cmov:
        emit_data_move(e);
        break;
    case Kind::Push:
    case Kind::Pop:
        emit_stack(e);
        break;
    case Kind::Alu:
    case Kind::Unary:
    case Kind::CarryFlag:
    case Kind::Popcnt:
    case Kind::BitTest:
        emit_arithmetic(e);
        break;
    case Kind::Shift:
    case Kind::DoubleShift:
        emit_shift(e);
        break;
    case Kind::MulWide:
    case Kind::Imul:
        emit_multiply(e);
        break;
    default:
        break; // branches: emit_branch()
    }
}

void emit_branch(Emitter& e, ChainSlot* taken, ChainSlot* fallthrough) {
    Insn const& in = e.insn();
    Step const& step = e.step();
    uint64_t const target = step.next_rip + in.imm;
    switch (step.recipe.kind) {
    case Kind::Jmp:
        e.end();
        e.prepare_exit();
        e.exit_direct(target, taken);
        return;
    case Kind::Jcc: {
        e.end();
        e.prepare_exit();
        e.host_flags();
        Xbyak::Label& jump = e.new_label();
        (e.*kJcc[step.recipe.cc])(jump, CodeGen::T_NEAR);
        e.exit_direct(step.next_rip, fallthrough);
        e.L(jump);
        e.exit_direct(target, taken);
        return;
    }
    case Kind::Call: {
        Xbyak::Address const slot = e.stack(-8, 8, Access::Write);
        store_constant(e, slot, step.next_rip);
        adjust_rsp(e, -8);
        e.end();
        e.prepare_exit();
        e.exit_direct(target, taken);
        return;
    }
    case Kind::Ret: {
        Xbyak::Address const slot = e.stack(0, 8, Access::Read);
        e.mov(e.rcx, slot);
        // RET imm16 releases that many more bytes (Intel SDM Vol. 2B "RET").
        adjust_rsp(e, 8 + static_cast<int32_t>(in.op[0].kind == OpKind::Imm ? in.imm & 0xffff : 0));
        e.end();
        e.prepare_exit();
        e.exit_indirect(e.rcx, taken);
        return;
    }
    default: { // JMP r/m64, CALL r/m64: the target is read before anything is pushed
        if (in.op[0].kind == OpKind::Mem) {
            e.mov(e.rcx, e.memory(8, Access::Read));
        } else {
            Xbyak::Reg64 const value = e.full(in.op[0].reg / 8, e.rcx);
            if (value.getIdx() != e.rcx.getIdx())
                e.mov(e.rcx, value);
        }
        if (step.recipe.kind == Kind::CallIndirect) {
            Xbyak::Address const slot = e.stack(-8, 8, Access::Write);
            store_constant(e, slot, step.next_rip);
            adjust_rsp(e, -8);
        }
        e.end();
        e.prepare_exit();
        e.exit_indirect(e.rcx, taken);
        return;
    }
    }
}

} // namespace vireo::emu::jit
