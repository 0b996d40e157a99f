#include "emu/operands.h"

namespace vireo::emu {

uint64_t get_reg_n(Cpu const& cpu, unsigned offset, unsigned size) {
    switch (size) {
    case 1:
        return get_reg<1>(cpu, offset);
    case 2:
        return get_reg<2>(cpu, offset);
    case 4:
        return get_reg<4>(cpu, offset);
    default:
        return get_reg<8>(cpu, offset);
    }
}

void set_reg_n(Cpu& cpu, unsigned offset, unsigned size, uint64_t value) {
    switch (size) {
    case 1:
        set_reg<1>(cpu, offset, value);
        break;
    case 2:
        set_reg<2>(cpu, offset, value);
        break;
    case 4:
        set_reg<4>(cpu, offset, value);
        break;
    default:
        set_reg<8>(cpu, offset, value);
        break;
    }
}

uint64_t read_operand(Cpu& cpu, Insn const& insn, unsigned n) {
    Operand const& op = insn.op[n];
    switch (op.kind) {
    case OpKind::Gpr:
        return get_reg_n(cpu, op.reg, op.size);
    case OpKind::Mem:
        return read_mem_n(cpu, linear_address(cpu, insn), op.size);
    case OpKind::Imm:
        return insn.imm & size_mask(op.size == 0 ? 8 : op.size);
    case OpKind::Seg:
        return cpu.seg[op.reg].selector;
    default:
        raise_ud();
    }
}

void write_operand(Cpu& cpu, Insn const& insn, unsigned n, uint64_t value) {
    Operand const& op = insn.op[n];
    switch (op.kind) {
    case OpKind::Gpr:
        set_reg_n(cpu, op.reg, op.size, value);
        break;
    case OpKind::Mem:
        write_mem_n(cpu, linear_address(cpu, insn), op.size, value);
        break;
    default:
        raise_ud();
    }
}

void push(Cpu& cpu, unsigned size, uint64_t value) {
    uint64_t const sp = (stack_pointer(cpu) - size) & cpu.stack_mask;
    write_mem_n(cpu, segment_linear(cpu, kSegSs, sp), size, value);
    set_stack_pointer(cpu, sp);
}

uint64_t pop(Cpu& cpu, unsigned size) {
    uint64_t const sp = stack_pointer(cpu);
    uint64_t const value = read_mem_n(cpu, segment_linear(cpu, kSegSs, sp), size);
    set_stack_pointer(cpu, sp + size);
    return value;
}

} // namespace vireo::emu
