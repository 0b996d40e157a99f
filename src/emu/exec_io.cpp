// Port I/O: IN, OUT, INS, OUTS. Accesses go synchronously to the VMM's IoHandler. With CPL
// above IOPL they fault (vireo keeps no I/O permission bitmap: Linux grants user space no
// ports through it).
#include <span>

#include "accel/accel.h"
#include "emu/handlers.h"
#include "emu/operands.h"

namespace vireo::emu {

namespace {

void check_io_privilege(Cpu& cpu) {
    // Intel SDM Vol. 1 19.5.1: CPL > IOPL needs the TSS I/O bitmap, treated as all ones.
    unsigned const iopl = static_cast<unsigned>((cpu.flags.rflags() & x86::kFlagIopl) >> 12);
    if (cpu.protected_mode() && cpu.cpl > iopl)
        raise_gp(0);
}

uint64_t port_read(Cpu& cpu, uint16_t port, unsigned size) {
    uint8_t data[4] = {0xff, 0xff, 0xff, 0xff};
    if (cpu.io != nullptr)
        cpu.io->pio_read(port, std::span(data, size));
    uint64_t value = 0;
    std::memcpy(&value, data, size);
    return value;
}

void port_write(Cpu& cpu, uint16_t port, unsigned size, uint64_t value) {
    uint8_t data[4];
    std::memcpy(data, &value, size);
    if (cpu.io != nullptr)
        cpu.io->pio_write(port, std::span<uint8_t const>(data, size));
}

// IN/OUT take the port from an immediate or DX; the data register is AL, AX or EAX.
uint16_t port_of(Cpu const& cpu, Insn const& insn, unsigned port_operand) {
    if (insn.op[port_operand].kind == OpKind::Imm)
        return static_cast<uint16_t>(insn.imm & 0xff);
    return static_cast<uint16_t>(cpu.regs[2]);
}

void in(Cpu& cpu, Insn const& insn) {
    check_io_privilege(cpu);
    unsigned const size = insn.op[0].size;
    set_reg_n(cpu, 0, size, port_read(cpu, port_of(cpu, insn, 1), size));
}

void out(Cpu& cpu, Insn const& insn) {
    check_io_privilege(cpu);
    unsigned const size = insn.op[1].size;
    port_write(cpu, port_of(cpu, insn, 0), size, get_reg_n(cpu, 0, size));
}

template <unsigned S>
void ins(Cpu& cpu, Insn const& insn) {
    check_io_privilege(cpu);
    uint64_t const mask = insn.address_mask;
    bool const rep = (insn.prefixes & (kPrefixRep | kPrefixRepne)) != 0;
    int64_t const step = cpu.flags.direction() ? -static_cast<int64_t>(S) : S;
    uint64_t count = rep ? cpu.regs[1] & mask : 1;
    for (; count != 0; --count) {
        uint64_t const linear = segment_linear(cpu, kSegEs, cpu.regs[7] & mask);
        // The destination is checked before the port is read (Intel SDM Vol. 2A "INS").
        (void)read_sized<S>(cpu, linear);
        write_sized<S>(cpu, linear, port_read(cpu, static_cast<uint16_t>(cpu.regs[2]), S));
        write_address_sized(cpu.regs[7], mask, cpu.regs[7] + static_cast<uint64_t>(step));
        if (rep)
            write_address_sized(cpu.regs[1], mask, count - 1);
    }
}

template <unsigned S>
void outs(Cpu& cpu, Insn const& insn) {
    check_io_privilege(cpu);
    uint64_t const mask = insn.address_mask;
    bool const rep = (insn.prefixes & (kPrefixRep | kPrefixRepne)) != 0;
    int64_t const step = cpu.flags.direction() ? -static_cast<int64_t>(S) : S;
    uint64_t count = rep ? cpu.regs[1] & mask : 1;
    for (; count != 0; --count) {
        uint64_t const value =
            read_sized<S>(cpu, segment_linear(cpu, insn.seg, cpu.regs[6] & mask));
        port_write(cpu, static_cast<uint16_t>(cpu.regs[2]), S, value);
        write_address_sized(cpu.regs[6], mask, cpu.regs[6] + static_cast<uint64_t>(step));
        if (rep)
            write_address_sized(cpu.regs[1], mask, count - 1);
    }
}

} // namespace

void register_io(Registry& registry) {
    // Port I/O can raise interrupts or stop the VM: it ends the block.
    registry.add_any<in>(ZYDIS_MNEMONIC_IN, kEndsBlock);
    registry.add_any<out>(ZYDIS_MNEMONIC_OUT, kEndsBlock);
    registry.add<ins<1>>(ZYDIS_MNEMONIC_INSB, make_form({}), kEndsBlock);
    registry.add<ins<2>>(ZYDIS_MNEMONIC_INSW, make_form({}), kEndsBlock);
    registry.add<ins<4>>(ZYDIS_MNEMONIC_INSD, make_form({}), kEndsBlock);
    registry.add<outs<1>>(ZYDIS_MNEMONIC_OUTSB, make_form({}), kEndsBlock);
    registry.add<outs<2>>(ZYDIS_MNEMONIC_OUTSW, make_form({}), kEndsBlock);
    registry.add<outs<4>>(ZYDIS_MNEMONIC_OUTSD, make_form({}), kEndsBlock);
}

} // namespace vireo::emu
