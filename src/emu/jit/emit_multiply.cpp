// MUL and IMUL as the host instructions. The one-operand forms use the host's RAX and RDX
// like the guest's; SF, ZF, AF and PF are undefined after them (Intel SDM Vol. 2A "MUL",
// "IMUL"), so the recipe keeps them as inputs and the host's result is the guest's.
#include <Zydis/Zydis.h>

#include "emu/cpu.h"
#include "emu/jit/patterns.h"

namespace vireo::emu::jit {

namespace {

constexpr unsigned kRax = 0;
constexpr unsigned kRdx = 16;

// rDX:rAX = rAX * source, AX = AL * source for bytes.
void multiply_wide(Emitter& e) {
    Insn const& in = e.insn();
    unsigned const size = in.op[0].size;
    bool const is_signed = in.mnemonic == ZYDIS_MNEMONIC_IMUL;
    auto body = [&](Xbyak::Operand const& source) {
        e.host_flags();
        Xbyak::Reg64 const accumulator = e.full(kRax / 8, e.rax);
        if (accumulator.getIdx() != e.rax.getIdx())
            e.mov(e.rax, accumulator);
        if (is_signed)
            e.imul(source);
        else
            e.mul(source);
        e.flags_changed();
    };
    if (in.op[0].kind == OpKind::Mem)
        body(e.memory(size, Access::Read));
    else
        body(e.source(in.op[0].reg, size).op());
    if (size == 1) {
        e.modify(kRax, 2, true, [&](Xbyak::Operand const& to) { e.mov(to, e.ax); });
        return;
    }
    // modify() works on RDX for an uncached register: the high half moves out of its way.
    e.mov(e.rcx, e.rdx);
    e.modify(kRdx, size, size < 4, [&](Xbyak::Operand const& to) { e.mov(to, part(e.rcx, size)); });
    e.modify(kRax, size, size < 4, [&](Xbyak::Operand const& to) { e.mov(to, part(e.rax, size)); });
}

// IMUL r, r/m and IMUL r, r/m, imm: the truncated product.
void multiply(Emitter& e) {
    Insn const& in = e.insn();
    unsigned const size = in.op[0].size;
    bool const three = in.op[2].kind == OpKind::Imm;
    auto body = [&](Xbyak::Operand const& source) {
        e.modify(in.op[0].reg, size, !three, [&](Xbyak::Operand const& to) {
            e.host_flags();
            if (three)
                e.imul(to.getReg(), source, static_cast<int>(imm32(in.imm, size)));
            else
                e.imul(to.getReg(), source);
            e.flags_changed();
        });
    };
    if (in.op[1].kind == OpKind::Mem)
        body(e.memory(size, Access::Read));
    else
        body(e.source(in.op[1].reg, size).op());
}

} // namespace

void emit_multiply(Emitter& e) {
    if (e.step().recipe.kind == Kind::MulWide)
        multiply_wide(e);
    else
        multiply(e);
}

} // namespace vireo::emu::jit
