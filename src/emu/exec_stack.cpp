// Stack instructions: PUSH, POP, PUSHF, POPF, ENTER, LEAVE, PUSHA, POPA.
#include "emu/handlers.h"
#include "emu/interrupts.h"
#include "emu/operands.h"

namespace vireo::emu {

namespace {

void push_operand(Cpu& cpu, Insn const& insn) {
    uint64_t value = 0;
    switch (insn.op[0].kind) {
    case OpKind::Gpr:
        value = get_reg_n(cpu, insn.op[0].reg, insn.op[0].size);
        break;
    case OpKind::Mem:
        value = read_mem_n(cpu, linear_address(cpu, insn), insn.operand_size);
        break;
    case OpKind::Imm:
        value = insn.imm;
        break;
    case OpKind::Seg:
        value = cpu.seg[insn.op[0].reg].selector;
        break;
    default:
        raise_ud();
    }
    push(cpu, insn.operand_size, value);
}

template <unsigned S>
void push_r(Cpu& cpu, Insn const& insn) {
    uint64_t const sp = (stack_pointer(cpu) - S) & cpu.stack_mask;
    write_sized<S>(cpu, segment_linear(cpu, kSegSs, sp), get_reg<S>(cpu, insn.op[0].reg));
    set_stack_pointer(cpu, sp);
}

template <unsigned S>
void pop_r(Cpu& cpu, Insn const& insn) {
    uint64_t const sp = stack_pointer(cpu);
    uint64_t const value = read_sized<S>(cpu, segment_linear(cpu, kSegSs, sp));
    set_stack_pointer(cpu, sp + S);
    set_reg<S>(cpu, insn.op[0].reg, value);
}

// POP to memory computes the address with RSP already incremented (Intel SDM Vol. 2B "POP").
void pop_m(Cpu& cpu, Insn const& insn) {
    uint64_t const saved = cpu.regs[4];
    uint64_t const value = pop(cpu, insn.operand_size);
    try {
        write_mem_n(cpu, linear_address(cpu, insn), insn.operand_size, value);
    } catch (GuestFault const&) {
        cpu.regs[4] = saved;
        throw;
    }
}

// PUSHF stores RFLAGS with VM and RF cleared (Intel SDM Vol. 2B "PUSHF").
void pushf(Cpu& cpu, Insn const& insn) {
    push(cpu, insn.operand_size, cpu.flags.rflags() & ~(x86::kFlagVm | x86::kFlagRf));
}

void popf(Cpu& cpu, Insn const& insn) {
    uint64_t const value = pop(cpu, insn.operand_size);
    write_flags(cpu, value, insn.operand_size);
}

void enter(Cpu& cpu, Insn const& insn) {
    // Intel SDM Vol. 2A "ENTER": frame size imm16, nesting level imm8 mod 32.
    unsigned const size = insn.operand_size;
    uint64_t const frame_size = insn.imm & 0xffff;
    unsigned const level = insn.imm2 & 31;
    uint64_t const saved_rsp = cpu.regs[4];
    try {
        push(cpu, size, cpu.regs[5]);
        uint64_t const frame = stack_pointer(cpu);
        uint64_t bp = cpu.regs[5];
        for (unsigned i = 1; i < level; ++i) {
            bp -= size;
            push(cpu, size,
                 read_mem_n(cpu, segment_linear(cpu, kSegSs, bp & cpu.stack_mask), size));
        }
        if (level > 0)
            push(cpu, size, frame);
        // The new stack top must be accessible before anything is committed. The processor
        // probes it with an operand-sized access, so a misaligned frame raises #AC when
        // alignment checking is armed (observed; Intel SDM Vol. 2A "ENTER" lists #AC(0)).
        uint64_t const top = (stack_pointer(cpu) - frame_size) & cpu.stack_mask;
        if (frame_size != 0)
            (void)read_mem_n(cpu, segment_linear(cpu, kSegSs, top), size);
        set_reg_n(cpu, reg_offset(x86::Gpr::Rbp), size, frame);
        set_stack_pointer(cpu, top);
    } catch (GuestFault const&) {
        cpu.regs[4] = saved_rsp;
        throw;
    }
}

void leave(Cpu& cpu, Insn const& insn) {
    unsigned const size = insn.operand_size;
    uint64_t const bp = cpu.regs[5] & cpu.stack_mask;
    uint64_t const value = read_mem_n(cpu, segment_linear(cpu, kSegSs, bp), size);
    set_stack_pointer(cpu, bp + size);
    set_reg_n(cpu, reg_offset(x86::Gpr::Rbp), size, value);
}

// PUSHA/POPA exist outside 64-bit mode only (the decoder rejects them there).
void pusha(Cpu& cpu, Insn const& insn) {
    unsigned const size = insn.operand_size;
    uint64_t const saved_rsp = cpu.regs[4];
    try {
        for (unsigned reg = 0; reg < 8; ++reg)
            push(cpu, size, reg == 4 ? saved_rsp : cpu.regs[reg]);
    } catch (GuestFault const&) {
        cpu.regs[4] = saved_rsp;
        throw;
    }
}

void popa(Cpu& cpu, Insn const& insn) {
    unsigned const size = insn.operand_size;
    uint64_t values[8];
    uint64_t const saved_rsp = cpu.regs[4];
    try {
        for (unsigned i = 0; i < 8; ++i)
            values[7 - i] = pop(cpu, size);
    } catch (GuestFault const&) {
        cpu.regs[4] = saved_rsp;
        throw;
    }
    for (unsigned reg = 0; reg < 8; ++reg)
        if (reg != 4) // the saved SP is skipped
            set_reg_n(cpu, reg * 8, size, values[reg]);
}

} // namespace

void register_stack(Registry& registry) {
    registry.add<push_r<8>>(ZYDIS_MNEMONIC_PUSH, make_form({R(8)}));
    registry.add<push_r<4>>(ZYDIS_MNEMONIC_PUSH, make_form({R(4)}));
    registry.add<push_r<2>>(ZYDIS_MNEMONIC_PUSH, make_form({R(2)}));
    registry.add<pop_r<8>>(ZYDIS_MNEMONIC_POP, make_form({R(8)}));
    registry.add<pop_r<4>>(ZYDIS_MNEMONIC_POP, make_form({R(4)}));
    registry.add<pop_r<2>>(ZYDIS_MNEMONIC_POP, make_form({R(2)}));
    registry.add_any<push_operand>(ZYDIS_MNEMONIC_PUSH);
    for (unsigned const size : {2U, 4U, 8U})
        registry.add<pop_m>(ZYDIS_MNEMONIC_POP, make_form({M(size)}));
    registry.add<pushf>(ZYDIS_MNEMONIC_PUSHF, make_form({}));
    registry.add<pushf>(ZYDIS_MNEMONIC_PUSHFD, make_form({}));
    registry.add<pushf>(ZYDIS_MNEMONIC_PUSHFQ, make_form({}));
    registry.add<popf>(ZYDIS_MNEMONIC_POPF, make_form({}), kEndsBlock);
    registry.add<popf>(ZYDIS_MNEMONIC_POPFD, make_form({}), kEndsBlock);
    registry.add<popf>(ZYDIS_MNEMONIC_POPFQ, make_form({}), kEndsBlock);
    registry.add_any<enter>(ZYDIS_MNEMONIC_ENTER);
    registry.add<leave>(ZYDIS_MNEMONIC_LEAVE, make_form({}));
    registry.add<pusha>(ZYDIS_MNEMONIC_PUSHA, make_form({}));
    registry.add<pusha>(ZYDIS_MNEMONIC_PUSHAD, make_form({}));
    registry.add<popa>(ZYDIS_MNEMONIC_POPA, make_form({}));
    registry.add<popa>(ZYDIS_MNEMONIC_POPAD, make_form({}));
}

} // namespace vireo::emu
