#include "emu/interrupts.h"

#include "base/trace.h"
#include "emu/memory.h"
#include "emu/operands.h"
#include "emu/segments.h"

namespace vireo::emu {

namespace {

// IDT gate types (Intel SDM Vol. 3A 6.11 and 6.14.1).
constexpr unsigned kGate16Interrupt = 0x6;
constexpr unsigned kGate16Trap = 0x7;
constexpr unsigned kGateInterrupt = 0xe;
constexpr unsigned kGateTrap = 0xf;

// 64-bit TSS fields (Intel SDM Vol. 3A 8.7, Figure 8-11).
constexpr uint64_t kTss64Rsp0 = 4;
constexpr uint64_t kTss64Ist1 = 36;
// 32-bit TSS fields (Intel SDM Vol. 3A 8.2.1, Figure 8-2).
constexpr uint64_t kTss32Esp0 = 4;
constexpr uint64_t kTss32Ss0 = 8;

constexpr uint64_t kFlagsClearedOnEntry = x86::kFlagTf | x86::kFlagNt | x86::kFlagRf | x86::kFlagVm;

uint32_t idt_error(uint8_t vector, EventType type) {
    // IDT bit, and EXT for events not caused by the program (Intel SDM Vol. 3A 6.13).
    uint32_t const external = type == EventType::External || type == EventType::Exception ? 1 : 0;
    return static_cast<uint32_t>(vector) * 8 + kErrorIdt + external;
}

struct Gate {
    uint16_t selector;
    uint64_t offset;
    unsigned type;
    unsigned ist;
};

void check_gate(Cpu& cpu, uint8_t vector, EventType type, uint64_t low) {
    unsigned const dpl = descriptor_dpl(low);
    // INT n, INT3 and INTO from a privilege above the gate's DPL fault (Intel SDM Vol. 3A
    // 6.12.1.1); hardware events ignore the DPL.
    if ((type == EventType::Software || type == EventType::SoftwareException) && dpl < cpu.cpl)
        raise_gp(idt_error(vector, type));
    if ((low & kDescPresent) == 0)
        raise_fault(x86::Vector::SegmentNotPresent, idt_error(vector, type));
}

Gate read_gate_64(Cpu& cpu, uint8_t vector, EventType type) {
    if (vector * 16U + 15 > cpu.idt.limit)
        raise_gp(idt_error(vector, type));
    uint64_t entry[2];
    read_system(cpu, cpu.idt.base + vector * 16U, entry, 16);
    Gate gate{static_cast<uint16_t>(entry[0] >> 16),
              (entry[0] & 0xffff) | ((entry[0] >> 32) & 0xffff0000) | (entry[1] << 32),
              descriptor_type(entry[0]), static_cast<unsigned>((entry[0] >> 32) & 7)};
    if (gate.type != kGateInterrupt && gate.type != kGateTrap)
        raise_gp(idt_error(vector, type));
    check_gate(cpu, vector, type, entry[0]);
    return gate;
}

Gate read_gate_32(Cpu& cpu, uint8_t vector, EventType type) {
    if (vector * 8U + 7 > cpu.idt.limit)
        raise_gp(idt_error(vector, type));
    uint64_t entry = 0;
    read_system(cpu, cpu.idt.base + vector * 8U, &entry, 8);
    Gate gate{static_cast<uint16_t>(entry >> 16), (entry & 0xffff) | ((entry >> 32) & 0xffff0000),
              descriptor_type(entry), 0};
    // Task gates (type 5) are not supported: Linux never uses them for delivery.
    if (gate.type != kGateInterrupt && gate.type != kGateTrap && gate.type != kGate16Interrupt &&
        gate.type != kGate16Trap)
        raise_gp(idt_error(vector, type));
    check_gate(cpu, vector, type, entry);
    return gate;
}

// The code segment a gate names: a present code segment at or above the current privilege.
uint64_t gate_code_descriptor(Cpu& cpu, Gate const& gate, uint8_t vector, EventType type) {
    if ((gate.selector & ~3U) == 0)
        raise_gp(idt_error(vector, type) & 1);
    uint64_t const d = check_code_descriptor(cpu, gate.selector);
    if (descriptor_dpl(d) > cpu.cpl)
        raise_gp(gate.selector & ~3U);
    return d;
}

uint64_t final_flags(Cpu const& cpu, unsigned gate_type) {
    uint64_t flags = cpu.flags.rflags() & ~kFlagsClearedOnEntry;
    if (gate_type == kGateInterrupt || gate_type == kGate16Interrupt)
        flags &= ~x86::kFlagIf;
    return flags;
}

void deliver_long(Cpu& cpu, uint8_t vector, EventType type, bool has_error, uint32_t error) {
    Gate const gate = read_gate_64(cpu, vector, type);
    uint64_t const code = gate_code_descriptor(cpu, gate, vector, type);
    if ((code & kDescLong) == 0 || (code & kDescBig) != 0)
        raise_gp(gate.selector & ~3U);
    unsigned const new_cpl = (code & kDescConforming) != 0 ? cpu.cpl : descriptor_dpl(code);
    uint64_t rsp = cpu.regs[4];
    if (gate.ist != 0)
        read_system(cpu, cpu.tr.base + kTss64Ist1 + (gate.ist - 1) * 8, &rsp, 8);
    else if (new_cpl < cpu.cpl)
        read_system(cpu, cpu.tr.base + kTss64Rsp0 + new_cpl * 8, &rsp, 8);
    // The new stack is aligned to 16 bytes (Intel SDM Vol. 3A 6.14.2).
    rsp &= ~15ULL;
    uint64_t frame[6] = {error,
                         cpu.rip(),
                         cpu.seg[kSegCs].selector,
                         cpu.flags.rflags(),
                         cpu.regs[4],
                         cpu.seg[kSegSs].selector};
    uint64_t const* first = has_error ? frame : frame + 1;
    unsigned const words = has_error ? 6 : 5;
    rsp -= words * 8;
    write_system(cpu, rsp, first, words * 8);
    // Everything that could fault is done: commit.
    uint64_t const flags = final_flags(cpu, gate.type);
    unsigned const old_cpl = cpu.cpl;
    set_code_segment(cpu, gate.selector, code, new_cpl);
    if (new_cpl != old_cpl)
        set_null_stack_segment(cpu, new_cpl);
    cpu.regs[4] = rsp;
    cpu.flags.set_rflags(flags);
    cpu.update_alignment_check();
    cpu.set_rip(gate.offset);
}

void deliver_protected(Cpu& cpu, uint8_t vector, EventType type, bool has_error, uint32_t error) {
    Gate const gate = read_gate_32(cpu, vector, type);
    uint64_t const code = gate_code_descriptor(cpu, gate, vector, type);
    unsigned const new_cpl = (code & kDescConforming) != 0 ? cpu.cpl : descriptor_dpl(code);
    unsigned const size = (gate.type == kGateInterrupt || gate.type == kGateTrap) ? 4 : 2;
    uint64_t const old_flags = cpu.flags.rflags();
    uint64_t const old_cs = cpu.seg[kSegCs].selector;
    uint64_t const old_rip = cpu.rip();
    uint64_t const old_ss = cpu.seg[kSegSs].selector;
    uint64_t const old_esp = cpu.regs[4];
    x86::Segment const saved_ss = cpu.seg[kSegSs];
    x86::Segment const saved_cs = cpu.seg[kSegCs];
    bool const stack_switch = new_cpl < cpu.cpl;
    try {
        if (stack_switch) {
            uint32_t esp = 0;
            uint16_t ss = 0;
            read_system(cpu, cpu.tr.base + kTss32Esp0 + new_cpl * 8, &esp, 4);
            read_system(cpu, cpu.tr.base + kTss32Ss0 + new_cpl * 8, &ss, 2);
            uint64_t const ss_descriptor = read_descriptor(cpu, ss);
            set_code_segment(cpu, gate.selector, code, new_cpl);
            set_stack_segment(cpu, ss, ss_descriptor);
            cpu.regs[4] = esp;
            push(cpu, size, old_ss);
            push(cpu, size, old_esp);
        } else {
            set_code_segment(cpu, gate.selector, code, new_cpl);
        }
        push(cpu, size, old_flags);
        push(cpu, size, old_cs);
        push(cpu, size, old_rip);
        if (has_error)
            push(cpu, size, error);
    } catch (GuestFault const&) {
        cpu.seg[kSegSs] = saved_ss;
        cpu.seg[kSegCs] = saved_cs;
        cpu.regs[4] = old_esp;
        cpu.update_mode();
        throw;
    }
    cpu.flags.set_rflags(final_flags(cpu, gate.type));
    cpu.update_alignment_check();
    cpu.set_rip(gate.offset);
}

void deliver_real(Cpu& cpu, uint8_t vector) {
    // Real mode: the IVT holds offset:segment pairs (Intel SDM Vol. 3A 20.1.4).
    if (vector * 4U + 3 > cpu.idt.limit)
        raise_gp(0);
    uint32_t entry = 0;
    read_system(cpu, cpu.idt.base + vector * 4U, &entry, 4);
    uint64_t const old_sp = cpu.regs[4];
    try {
        push(cpu, 2, cpu.flags.rflags());
        push(cpu, 2, cpu.seg[kSegCs].selector);
        push(cpu, 2, cpu.rip());
    } catch (GuestFault const&) {
        cpu.regs[4] = old_sp;
        throw;
    }
    cpu.flags.set_rflags(cpu.flags.rflags() & ~(x86::kFlagIf | x86::kFlagTf | x86::kFlagAc));
    cpu.update_alignment_check();
    uint16_t const segment = static_cast<uint16_t>(entry >> 16);
    cpu.seg[kSegCs].selector = segment;
    cpu.seg[kSegCs].base = static_cast<uint64_t>(segment) << 4;
    cpu.set_rip(entry & 0xffff);
}

} // namespace

void deliver_event(Cpu& cpu, uint8_t vector, EventType type, bool has_error, uint32_t error) {
    VIREO_TRACE(Emu, "cpu{} event {} type {} error {:#x} at {:#x}", cpu.index, vector,
                static_cast<int>(type), error, cpu.rip());
    cpu.halted = false;
    if (!cpu.protected_mode())
        deliver_real(cpu, vector);
    else if (cpu.long_mode_active)
        deliver_long(cpu, vector, type, has_error, error);
    else
        deliver_protected(cpu, vector, type, has_error, error);
}

bool deliver_exception(Cpu& cpu, GuestFault const& fault) {
    try {
        deliver_event(cpu, fault.vector, EventType::Exception, fault.has_error_code,
                      fault.error_code);
        return true;
    } catch (GuestFault const& second) {
        // A fault while delivering a double fault shuts the processor down; any other fault
        // during delivery becomes #DF (Intel SDM Vol. 3A 6.15, Table 6-5, simplified: benign
        // second exceptions also escalate).
        if (fault.vector == static_cast<uint8_t>(x86::Vector::DoubleFault))
            return false;
        VIREO_TRACE(Emu, "cpu{} vector {} faulted ({}) during delivery: #DF", cpu.index,
                    fault.vector, second.vector);
        return deliver_exception(
            cpu, GuestFault{static_cast<uint8_t>(x86::Vector::DoubleFault), true, 0});
    }
}

bool deliver_interrupt(Cpu& cpu, uint8_t vector) {
    try {
        deliver_event(cpu, vector, EventType::External, false, 0);
        return true;
    } catch (GuestFault const& fault) {
        return deliver_exception(cpu, fault);
    }
}

void write_flags(Cpu& cpu, uint64_t value, unsigned operand_size) {
    uint64_t const old = cpu.flags.rflags();
    uint64_t mask =
        kArithFlags | x86::kFlagTf | x86::kFlagDf | x86::kFlagNt | x86::kFlagAc | x86::kFlagId;
    unsigned const iopl = static_cast<unsigned>((old & x86::kFlagIopl) >> 12);
    if (cpu.cpl == 0)
        mask |= x86::kFlagIopl | x86::kFlagIf;
    else if (cpu.cpl <= iopl)
        mask |= x86::kFlagIf;
    if (operand_size == 2)
        mask &= 0xffff;
    uint64_t const updated = ((old & ~mask) | (value & mask)) & ~x86::kFlagRf;
    cpu.flags.set_rflags(updated);
    cpu.update_alignment_check();
    if ((updated & x86::kFlagIf) != 0 && (old & x86::kFlagIf) == 0)
        interrupts_enabled(cpu);
}

} // namespace vireo::emu
