// Operand access for instruction handlers: registers by byte offset in Cpu::regs, the memory
// operand's linear address, and generic run-time sized reads and writes of any operand (for
// handlers that are not specialised per form, and for the x87/SSE files).
#pragma once

#include <cstdint>
#include <cstring>

#include "emu/cpu.h"
#include "emu/fault.h"
#include "emu/insn.h"
#include "emu/memory.h"

namespace vireo::emu {

// A GPR operand of `Size` bytes at byte offset `offset` of the register file. Writes of 4
// bytes zero the upper half (Intel SDM Vol. 1 3.4.1.1); writes of 1 and 2 bytes keep it.
template <unsigned Size>
inline uint64_t get_reg(Cpu const& cpu, unsigned offset) {
    typename UintOf<Size>::type value;
    std::memcpy(&value, reinterpret_cast<uint8_t const*>(cpu.regs) + offset, Size);
    return value;
}

template <unsigned Size>
inline void set_reg(Cpu& cpu, unsigned offset, uint64_t value) {
    if constexpr (Size == 4) {
        cpu.regs[offset / 8] = static_cast<uint32_t>(value);
    } else {
        auto const narrow = static_cast<typename UintOf<Size>::type>(value);
        std::memcpy(reinterpret_cast<uint8_t*>(cpu.regs) + offset, &narrow, Size);
    }
}

uint64_t get_reg_n(Cpu const& cpu, unsigned offset, unsigned size);
void set_reg_n(Cpu& cpu, unsigned offset, unsigned size, uint64_t value);

// The offset of a full register in Cpu::regs, for handlers with implicit operands.
constexpr unsigned reg_offset(x86::Gpr which) {
    return static_cast<unsigned>(which) * 8;
}

// Writes RCX, RSI or RDI at the address size (string instructions, LOOP): a 32-bit write
// zero-extends into the full register as every 32-bit register write does, a 16-bit write
// keeps the upper bits (Intel SDM Vol. 1 3.4.1.1 "General-Purpose Registers in 64-Bit Mode").
inline void write_address_sized(uint64_t& reg, uint64_t address_mask, uint64_t value) {
    constexpr uint64_t kAddress32Mask = 0xffffffff;
    reg = address_mask == kAddress32Mask ? value & address_mask
                                         : (reg & ~address_mask) | (value & address_mask);
}

// The effective address of the memory operand (the offset within its segment).
inline uint64_t effective_address(Cpu const& cpu, Insn const& insn) {
    return (cpu.regs[insn.base] + (cpu.regs[insn.index] << insn.scale) +
            static_cast<uint64_t>(insn.disp)) &
           insn.address_mask;
}

// The linear address of the memory operand. Segment limits are not checked: vireo's guests
// run with flat segments wherever limits would matter (see README.md).
inline uint64_t linear_address(Cpu const& cpu, Insn const& insn) {
    return (cpu.seg[insn.seg].base + effective_address(cpu, insn)) & cpu.linear_mask;
}

// The linear address of `offset` in segment `seg`, for implicit memory operands (string
// instructions, the stack). In 64-bit mode only FS and GS have a base (Intel SDM Vol. 3A
// 3.4.4).
inline uint64_t segment_linear(Cpu const& cpu, unsigned seg, uint64_t offset) {
    if (cpu.code_mode == CodeMode::Bits64 && seg < kSegFs)
        return offset;
    return (cpu.seg[seg].base + offset) & cpu.linear_mask;
}

// Generic operand access, sized by the operand.
uint64_t read_operand(Cpu& cpu, Insn const& insn, unsigned n);
void write_operand(Cpu& cpu, Insn const& insn, unsigned n, uint64_t value);

// Stack pushes and pops of `size` bytes through SS, honouring the stack-address size.
void push(Cpu& cpu, unsigned size, uint64_t value);
uint64_t pop(Cpu& cpu, unsigned size);

// The value RSP would have after popping; used to keep state unchanged until all reads
// have succeeded.
inline uint64_t stack_pointer(Cpu const& cpu) {
    return cpu.regs[4] & cpu.stack_mask;
}
inline void set_stack_pointer(Cpu& cpu, uint64_t value) {
    cpu.regs[4] = (cpu.regs[4] & ~cpu.stack_mask) | (value & cpu.stack_mask);
}

// Jumps to `target`, truncated to the operand size outside 64-bit mode.
inline void branch_to(Cpu& cpu, uint64_t target, unsigned operand_size) {
    if (operand_size == 2)
        target &= 0xffff;
    else if (operand_size == 4)
        target &= 0xffffffff;
    cpu.set_rip(target);
}

} // namespace vireo::emu
