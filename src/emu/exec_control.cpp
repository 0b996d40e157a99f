// Near control transfers: JMP, Jcc, CALL, RET, LOOP*, JrCXZ. Each ends its block. Handlers
// make every access that can fault before they change RIP or RSP, so a fault leaves the
// instruction restartable.
#include "emu/condition.h"
#include "emu/handlers.h"
#include "emu/operands.h"

namespace vireo::emu {

namespace {

void jmp_rel(Cpu& cpu, Insn const& insn) {
    branch_to(cpu, cpu.rip() + insn.imm, insn.operand_size);
}

uint64_t indirect_target(Cpu& cpu, Insn const& insn) {
    if (insn.op[0].kind == OpKind::Gpr)
        return get_reg_n(cpu, insn.op[0].reg, insn.op[0].size);
    return read_mem_n(cpu, linear_address(cpu, insn), insn.op[0].size);
}

void jmp_indirect(Cpu& cpu, Insn const& insn) {
    branch_to(cpu, indirect_target(cpu, insn), insn.operand_size);
}

template <unsigned CC>
void jcc(Cpu& cpu, Insn const& insn) {
    if (cpu.flags.condition(CC))
        branch_to(cpu, cpu.rip() + insn.imm, insn.operand_size);
}

void call_rel(Cpu& cpu, Insn const& insn) {
    push(cpu, insn.operand_size, cpu.rip());
    branch_to(cpu, cpu.rip() + insn.imm, insn.operand_size);
}

void call_indirect(Cpu& cpu, Insn const& insn) {
    uint64_t const target = indirect_target(cpu, insn);
    push(cpu, insn.operand_size, cpu.rip());
    branch_to(cpu, target, insn.operand_size);
}

void ret(Cpu& cpu, Insn const& insn) {
    uint64_t const target = pop(cpu, insn.operand_size);
    if (insn.op[0].kind == OpKind::Imm)
        set_stack_pointer(cpu, stack_pointer(cpu) + (insn.imm & 0xffff));
    branch_to(cpu, target, insn.operand_size);
}

// The count register of LOOP and JrCXZ is sized by the address size (Intel SDM Vol. 2A
// "LOOP/LOOPcc").
uint64_t count_register(Cpu const& cpu, Insn const& insn) {
    return cpu.regs[1] & insn.address_mask;
}

enum class Loop { Always, WhileEqual, WhileNotEqual };

template <Loop Kind>
void loop(Cpu& cpu, Insn const& insn) {
    uint64_t const count = (count_register(cpu, insn) - 1) & insn.address_mask;
    write_address_sized(cpu.regs[1], insn.address_mask, count);
    bool take = count != 0;
    if constexpr (Kind == Loop::WhileEqual)
        take = take && cpu.flags.zf();
    else if constexpr (Kind == Loop::WhileNotEqual)
        take = take && !cpu.flags.zf();
    if (take)
        branch_to(cpu, cpu.rip() + insn.imm, insn.operand_size);
}

void jrcxz(Cpu& cpu, Insn const& insn) {
    if (count_register(cpu, insn) == 0)
        branch_to(cpu, cpu.rip() + insn.imm, insn.operand_size);
}

} // namespace

void register_control(Registry& registry) {
    registry.add<jmp_rel>(ZYDIS_MNEMONIC_JMP, make_form({I}), kEndsBlock);
    for (unsigned const size : {2U, 4U, 8U}) {
        registry.add<jmp_indirect>(ZYDIS_MNEMONIC_JMP, make_form({R(size)}), kEndsBlock);
        registry.add<jmp_indirect>(ZYDIS_MNEMONIC_JMP, make_form({M(size)}), kEndsBlock);
        registry.add<call_indirect>(ZYDIS_MNEMONIC_CALL, make_form({R(size)}), kEndsBlock);
        registry.add<call_indirect>(ZYDIS_MNEMONIC_CALL, make_form({M(size)}), kEndsBlock);
    }
    registry.add<call_rel>(ZYDIS_MNEMONIC_CALL, make_form({I}), kEndsBlock);
    registry.add<ret>(ZYDIS_MNEMONIC_RET, make_form({}), kEndsBlock);
    registry.add<ret>(ZYDIS_MNEMONIC_RET, make_form({I}), kEndsBlock);
    for_each_condition([&]<unsigned CC>() {
        registry.add<jcc<CC>>(kJccMnemonics[CC], make_form({I}), kEndsBlock);
    });
    registry.add<loop<Loop::Always>>(ZYDIS_MNEMONIC_LOOP, make_form({I}), kEndsBlock);
    registry.add<loop<Loop::WhileEqual>>(ZYDIS_MNEMONIC_LOOPE, make_form({I}), kEndsBlock);
    registry.add<loop<Loop::WhileNotEqual>>(ZYDIS_MNEMONIC_LOOPNE, make_form({I}), kEndsBlock);
    registry.add<jrcxz>(ZYDIS_MNEMONIC_JCXZ, make_form({I}), kEndsBlock);
    registry.add<jrcxz>(ZYDIS_MNEMONIC_JECXZ, make_form({I}), kEndsBlock);
    registry.add<jrcxz>(ZYDIS_MNEMONIC_JRCXZ, make_form({I}), kEndsBlock);
}

} // namespace vireo::emu
