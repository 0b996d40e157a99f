// Data movement: MOV, MOVZX, MOVSX, MOVSXD, LEA, XCHG, CMOVcc.
#include <utility>

#include "emu/atomic.h"
#include "emu/condition.h"
#include "emu/handlers.h"
#include "emu/operands.h"

namespace vireo::emu {

namespace {

template <unsigned S>
void mov_rr(Cpu& cpu, Insn const& insn) {
    set_reg<S>(cpu, insn.op[0].reg, get_reg<S>(cpu, insn.op[1].reg));
}
template <unsigned S>
void mov_ri(Cpu& cpu, Insn const& insn) {
    set_reg<S>(cpu, insn.op[0].reg, insn.imm);
}
template <unsigned S>
void mov_rm(Cpu& cpu, Insn const& insn) {
    set_reg<S>(cpu, insn.op[0].reg, read_sized<S>(cpu, linear_address(cpu, insn)));
}
template <unsigned S>
void mov_mr(Cpu& cpu, Insn const& insn) {
    write_sized<S>(cpu, linear_address(cpu, insn), get_reg<S>(cpu, insn.op[1].reg));
}
template <unsigned S>
void mov_mi(Cpu& cpu, Insn const& insn) {
    write_sized<S>(cpu, linear_address(cpu, insn), insn.imm);
}

// MOVZX/MOVSX/MOVSXD: destination size D, source size S.
template <unsigned D, unsigned S, bool Signed>
void extend_r(Cpu& cpu, Insn const& insn) {
    uint64_t value = get_reg<S>(cpu, insn.op[1].reg);
    if constexpr (Signed)
        value = static_cast<uint64_t>(sign_extend(value, S));
    set_reg<D>(cpu, insn.op[0].reg, value);
}
template <unsigned D, unsigned S, bool Signed>
void extend_m(Cpu& cpu, Insn const& insn) {
    uint64_t value = read_sized<S>(cpu, linear_address(cpu, insn));
    if constexpr (Signed)
        value = static_cast<uint64_t>(sign_extend(value, S));
    set_reg<D>(cpu, insn.op[0].reg, value);
}

template <unsigned D, unsigned S, bool Signed>
void add_extend(Registry& registry, ZydisMnemonic mnemonic) {
    registry.add<extend_r<D, S, Signed>>(mnemonic, make_form({R(D), R(S)}));
    registry.add<extend_m<D, S, Signed>>(mnemonic, make_form({R(D), M(S)}));
}

void lea(Cpu& cpu, Insn const& insn) {
    set_reg_n(cpu, insn.op[0].reg, insn.op[0].size, effective_address(cpu, insn));
}

template <unsigned S>
void xchg_rr(Cpu& cpu, Insn const& insn) {
    uint64_t const a = get_reg<S>(cpu, insn.op[0].reg);
    set_reg<S>(cpu, insn.op[0].reg, get_reg<S>(cpu, insn.op[1].reg));
    set_reg<S>(cpu, insn.op[1].reg, a);
}

// XCHG with memory is always locked (Intel SDM Vol. 2B "XCHG").
template <unsigned S, unsigned RegOperand>
void xchg_m(Cpu& cpu, Insn const& insn) {
    unsigned const reg = insn.op[RegOperand].reg;
    uint64_t const value = get_reg<S>(cpu, reg);
    uint64_t const old =
        atomic_update<S>(cpu, linear_address(cpu, insn), [value](uint64_t) { return value; });
    set_reg<S>(cpu, reg, old);
}

template <unsigned CC, unsigned S>
void cmov_r(Cpu& cpu, Insn const& insn) {
    // A 32-bit CMOV writes (and so zero-extends) its destination even when the condition is
    // false (Intel SDM Vol. 2A "CMOVcc", 64-bit mode operation).
    uint64_t const value =
        cpu.flags.condition(CC) ? get_reg<S>(cpu, insn.op[1].reg) : get_reg<S>(cpu, insn.op[0].reg);
    set_reg<S>(cpu, insn.op[0].reg, value);
}
template <unsigned CC, unsigned S>
void cmov_m(Cpu& cpu, Insn const& insn) {
    // The source is read, and may fault, whatever the condition.
    uint64_t const source = read_sized<S>(cpu, linear_address(cpu, insn));
    uint64_t const value = cpu.flags.condition(CC) ? source : get_reg<S>(cpu, insn.op[0].reg);
    set_reg<S>(cpu, insn.op[0].reg, value);
}

template <unsigned S>
void add_mov_size(Registry& registry) {
    registry.add<mov_rr<S>>(ZYDIS_MNEMONIC_MOV, make_form({R(S), R(S)}));
    registry.add<mov_ri<S>>(ZYDIS_MNEMONIC_MOV, make_form({R(S), I}));
    registry.add<mov_rm<S>>(ZYDIS_MNEMONIC_MOV, make_form({R(S), M(S)}));
    registry.add<mov_mr<S>>(ZYDIS_MNEMONIC_MOV, make_form({M(S), R(S)}));
    registry.add<mov_mi<S>>(ZYDIS_MNEMONIC_MOV, make_form({M(S), I}));
    registry.add<xchg_rr<S>>(ZYDIS_MNEMONIC_XCHG, make_form({R(S), R(S)}));
    registry.add<xchg_m<S, 1>>(ZYDIS_MNEMONIC_XCHG, make_form({M(S), R(S)}));
    registry.add<xchg_m<S, 0>>(ZYDIS_MNEMONIC_XCHG, make_form({R(S), M(S)}));
    if constexpr (S > 1) {
        for_each_condition([&]<unsigned CC>() {
            registry.add<cmov_r<CC, S>>(kCmovccMnemonics[CC], make_form({R(S), R(S)}));
            registry.add<cmov_m<CC, S>>(kCmovccMnemonics[CC], make_form({R(S), M(S)}));
        });
    }
}

} // namespace

void register_move(Registry& registry) {
    add_mov_size<1>(registry);
    add_mov_size<2>(registry);
    add_mov_size<4>(registry);
    add_mov_size<8>(registry);
    add_extend<2, 1, false>(registry, ZYDIS_MNEMONIC_MOVZX);
    add_extend<4, 1, false>(registry, ZYDIS_MNEMONIC_MOVZX);
    add_extend<8, 1, false>(registry, ZYDIS_MNEMONIC_MOVZX);
    add_extend<4, 2, false>(registry, ZYDIS_MNEMONIC_MOVZX);
    add_extend<8, 2, false>(registry, ZYDIS_MNEMONIC_MOVZX);
    add_extend<2, 2, false>(registry, ZYDIS_MNEMONIC_MOVZX);
    add_extend<2, 1, true>(registry, ZYDIS_MNEMONIC_MOVSX);
    add_extend<4, 1, true>(registry, ZYDIS_MNEMONIC_MOVSX);
    add_extend<8, 1, true>(registry, ZYDIS_MNEMONIC_MOVSX);
    add_extend<4, 2, true>(registry, ZYDIS_MNEMONIC_MOVSX);
    add_extend<8, 2, true>(registry, ZYDIS_MNEMONIC_MOVSX);
    add_extend<2, 2, true>(registry, ZYDIS_MNEMONIC_MOVSX);
    add_extend<8, 4, true>(registry, ZYDIS_MNEMONIC_MOVSXD);
    add_extend<4, 4, false>(registry, ZYDIS_MNEMONIC_MOVSXD); // without REX.W: a plain move
    add_extend<2, 2, false>(registry, ZYDIS_MNEMONIC_MOVSXD);
    registry.add_any<lea>(ZYDIS_MNEMONIC_LEA);
}

} // namespace vireo::emu
