// Segment registers and far transfers: MOV/POP Sreg, far JMP/CALL/RET, IRET, SYSCALL,
// SYSRET, SWAPGS and LSL. Same-privilege far transfers and returns to outer privilege are
// supported; call gates and task switches are not (#GP), as Linux uses neither.
#include "emu/handlers.h"
#include "emu/interrupts.h"
#include "emu/msr.h"
#include "emu/operands.h"
#include "emu/segments.h"

namespace vireo::emu {

namespace {

void mov_to_sreg(Cpu& cpu, Insn const& insn) {
    unsigned const seg = insn.op[0].reg;
    if (seg == kSegCs)
        raise_ud();
    uint16_t const selector = static_cast<uint16_t>(read_operand(cpu, insn, 1));
    load_segment(cpu, seg, selector);
    if (seg == kSegSs) {
        // MOV SS inhibits interrupts until after the next instruction (Intel SDM Vol. 3A 6.8.3).
        cpu.interrupt_shadow = true;
        cpu.shadow_rip = cpu.rip();
    }
}

void mov_from_sreg(Cpu& cpu, Insn const& insn) {
    uint16_t const selector = cpu.seg[insn.op[1].reg].selector;
    if (insn.op[0].kind == OpKind::Gpr)
        set_reg_n(cpu, insn.op[0].reg, insn.op[0].size, selector);
    else
        write_mem<uint16_t>(cpu, linear_address(cpu, insn), selector);
}

void pop_sreg(Cpu& cpu, Insn const& insn) {
    unsigned const size = insn.operand_size;
    uint64_t const sp = stack_pointer(cpu);
    auto const selector =
        static_cast<uint16_t>(read_mem_n(cpu, segment_linear(cpu, kSegSs, sp), size));
    load_segment(cpu, insn.op[0].reg, selector);
    set_stack_pointer(cpu, sp + size);
}

// Loads CS:RIP for a far JMP/CALL/RET at the current privilege.
void far_transfer(Cpu& cpu, uint16_t selector, uint64_t offset, unsigned operand_size) {
    if (!cpu.protected_mode()) {
        cpu.seg[kSegCs].selector = selector;
        cpu.seg[kSegCs].base = static_cast<uint64_t>(selector) << 4;
        branch_to(cpu, offset, operand_size);
        cpu.update_mode();
        return;
    }
    uint64_t const d = check_code_descriptor(cpu, selector);
    unsigned const dpl = descriptor_dpl(d);
    unsigned const rpl = selector & 3U;
    // Intel SDM Vol. 3A 5.8.1: non-conforming code needs RPL <= CPL and DPL == CPL,
    // conforming code DPL <= CPL.
    bool const conforming = (d & kDescConforming) != 0;
    if (conforming ? dpl > cpu.cpl : (rpl > cpu.cpl || dpl != cpu.cpl))
        raise_gp(selector & ~3U);
    set_code_segment(cpu, selector, d, cpu.cpl);
    branch_to(cpu, offset, cpu.code_mode == CodeMode::Bits64 ? 8 : operand_size);
}

// A far pointer operand: an immediate ptr16:16/32 or a memory m16:16/32/64 (offset first).
void far_pointer(Cpu& cpu, Insn const& insn, uint16_t& selector, uint64_t& offset) {
    if (insn.op[0].kind == OpKind::Mem) {
        uint64_t const linear = linear_address(cpu, insn);
        unsigned const size = insn.operand_size;
        offset = read_mem_n(cpu, linear, size);
        selector = read_mem<uint16_t>(cpu, linear + size);
    } else {
        offset = insn.imm;
        selector = insn.imm2;
    }
}

void jmp_far(Cpu& cpu, Insn const& insn) {
    uint16_t selector = 0;
    uint64_t offset = 0;
    far_pointer(cpu, insn, selector, offset);
    far_transfer(cpu, selector, offset, insn.operand_size);
}

void call_far(Cpu& cpu, Insn const& insn) {
    uint16_t selector = 0;
    uint64_t offset = 0;
    far_pointer(cpu, insn, selector, offset);
    unsigned const size = insn.operand_size;
    uint64_t const saved_rsp = cpu.regs[4];
    uint16_t const old_cs = cpu.seg[kSegCs].selector;
    uint64_t const return_rip = cpu.rip();
    x86::Segment const saved_cs = cpu.seg[kSegCs];
    try {
        push(cpu, size, old_cs);
        push(cpu, size, return_rip);
        far_transfer(cpu, selector, offset, size);
    } catch (GuestFault const&) {
        cpu.regs[4] = saved_rsp;
        cpu.seg[kSegCs] = saved_cs;
        cpu.update_mode();
        throw;
    }
}

// Loads SS:RSP for a return to an outer privilege level `cpl`.
void return_stack(Cpu& cpu, uint16_t ss, uint64_t rsp, unsigned cpl, bool to_64bit) {
    if ((ss & ~3U) == 0 && to_64bit && cpl < 3) {
        set_null_stack_segment(cpu, cpl);
    } else {
        uint64_t const d = read_descriptor(cpu, ss);
        if ((d & kDescNonSystem) == 0 || (d & kDescCode) != 0 || (d & kDescWritable) == 0 ||
            (ss & 3U) != cpl || descriptor_dpl(d) != cpl)
            raise_gp(ss & ~3U);
        if ((d & kDescPresent) == 0)
            raise_fault(x86::Vector::StackFault, ss & ~3U);
        set_stack_segment(cpu, ss, d);
    }
    cpu.regs[4] = rsp;
}

// The code segment of a far return or IRET: RPL >= CPL, and DPL == RPL unless conforming.
uint64_t return_code_descriptor(Cpu& cpu, uint16_t selector) {
    uint64_t const d = check_code_descriptor(cpu, selector);
    unsigned const rpl = selector & 3U;
    bool const conforming = (d & kDescConforming) != 0;
    if (rpl < cpu.cpl || (conforming ? descriptor_dpl(d) > rpl : descriptor_dpl(d) != rpl))
        raise_gp(selector & ~3U);
    return d;
}

void ret_far(Cpu& cpu, Insn const& insn) {
    unsigned const size = insn.operand_size;
    uint64_t const sp = stack_pointer(cpu);
    uint64_t const offset = read_mem_n(cpu, segment_linear(cpu, kSegSs, sp), size);
    auto const selector = static_cast<uint16_t>(
        read_mem_n(cpu, segment_linear(cpu, kSegSs, (sp + size) & cpu.stack_mask), size));
    uint64_t const release = insn.op[0].kind == OpKind::Imm ? (insn.imm & 0xffff) : 0;
    if (!cpu.protected_mode() || (selector & 3U) == cpu.cpl) {
        far_transfer(cpu, selector, offset, size);
        set_stack_pointer(cpu, sp + 2 * size + release);
        return;
    }
    // Return to an outer privilege level: SS:RSP follow on the stack.
    uint64_t const d = return_code_descriptor(cpu, selector);
    uint64_t const new_sp = read_mem_n(
        cpu, segment_linear(cpu, kSegSs, (sp + 2 * size + release) & cpu.stack_mask), size);
    auto const new_ss = static_cast<uint16_t>(read_mem_n(
        cpu, segment_linear(cpu, kSegSs, (sp + 3 * size + release) & cpu.stack_mask), size));
    unsigned const cpl = selector & 3U;
    set_code_segment(cpu, selector, d, cpl);
    return_stack(cpu, new_ss, new_sp + release, cpl, (d & kDescLong) != 0);
    branch_to(cpu, offset, cpu.code_mode == CodeMode::Bits64 ? 8 : size);
}

// RFLAGS as IRET restores them: like POPF, but VM/RF/VIF/VIP also come back at CPL 0
// (Intel SDM Vol. 2A "IRET").
void restore_flags(Cpu& cpu, uint64_t value, unsigned size, unsigned old_cpl) {
    uint64_t const old = cpu.flags.rflags();
    uint64_t mask = kArithFlags | x86::kFlagTf | x86::kFlagDf | x86::kFlagNt | x86::kFlagAc |
                    x86::kFlagId | x86::kFlagRf;
    unsigned const iopl = static_cast<unsigned>((old & x86::kFlagIopl) >> 12);
    if (old_cpl == 0)
        mask |= x86::kFlagIopl | x86::kFlagIf | x86::kFlagVif | x86::kFlagVip;
    else if (old_cpl <= iopl)
        mask |= x86::kFlagIf;
    if (size == 2)
        mask &= 0xffff;
    uint64_t const updated = (old & ~mask) | (value & mask);
    cpu.flags.set_rflags(updated);
    cpu.update_alignment_check();
    if ((updated & x86::kFlagIf) != 0 && (old & x86::kFlagIf) == 0)
        interrupts_enabled(cpu);
}

void iret(Cpu& cpu, Insn const& insn) {
    unsigned const size = insn.operand_size;
    uint64_t const sp = stack_pointer(cpu);
    auto slot = [&](unsigned i) {
        return read_mem_n(cpu, segment_linear(cpu, kSegSs, (sp + i * size) & cpu.stack_mask), size);
    };
    uint64_t const rip = slot(0);
    auto const cs = static_cast<uint16_t>(slot(1));
    uint64_t const flags = slot(2);
    unsigned const old_cpl = cpu.cpl;
    if (!cpu.protected_mode()) {
        cpu.seg[kSegCs].selector = cs;
        cpu.seg[kSegCs].base = static_cast<uint64_t>(cs) << 4;
        set_stack_pointer(cpu, sp + 3 * size);
        restore_flags(cpu, flags, size, 0);
        branch_to(cpu, rip, size);
        return;
    }
    if (!cpu.long_mode_active && (cpu.flags.rflags() & x86::kFlagNt) != 0)
        raise_gp(0); // task return: not supported
    uint64_t const d = return_code_descriptor(cpu, cs);
    unsigned const cpl = cs & 3U;
    bool const to_64bit = cpu.long_mode_active && (d & kDescLong) != 0;
    // IRET in 64-bit mode always pops SS:RSP; elsewhere only on a privilege change.
    bool const pops_stack = cpu.code_mode == CodeMode::Bits64 || cpl != old_cpl;
    uint64_t new_sp = 0;
    uint16_t new_ss = 0;
    if (pops_stack) {
        new_sp = slot(3);
        new_ss = static_cast<uint16_t>(slot(4));
    }
    cpu.nmi_blocked = false;
    x86::Segment const saved_cs = cpu.seg[kSegCs];
    x86::Segment const saved_ss = cpu.seg[kSegSs];
    try {
        set_code_segment(cpu, cs, d, cpl);
        if (pops_stack)
            return_stack(cpu, new_ss, new_sp, cpl, to_64bit);
        else
            set_stack_pointer(cpu, sp + 3 * size);
    } catch (GuestFault const&) {
        cpu.seg[kSegCs] = saved_cs;
        cpu.seg[kSegSs] = saved_ss;
        cpu.update_mode();
        throw;
    }
    restore_flags(cpu, flags, size, old_cpl);
    branch_to(cpu, rip, to_64bit ? 8 : size);
}

// Flat segments SYSCALL and SYSRET load (Intel SDM Vol. 2B "SYSCALL", "SYSRET").
x86::Segment flat_segment(uint16_t selector, uint8_t type, unsigned dpl, bool long_code) {
    x86::Segment s;
    s.selector = selector;
    s.base = 0;
    s.limit = 0xffffffff;
    s.type = type;
    s.dpl = static_cast<uint8_t>(dpl);
    s.present = true;
    s.granularity = true;
    s.long_mode = long_code;
    s.db = !long_code;
    return s;
}

constexpr uint8_t kTypeCodeReadAccessed = 0xb;
constexpr uint8_t kTypeDataWriteAccessed = 0x3;

void syscall(Cpu& cpu, Insn const&) {
    if (!cpu.long_mode_active || (cpu.efer & x86::kEferSce) == 0)
        raise_ud();
    auto const selector = static_cast<uint16_t>((cpu.msr.star >> 32) & 0xfffc);
    uint64_t const target = cpu.code_mode == CodeMode::Bits64 ? cpu.msr.lstar : cpu.msr.cstar;
    cpu.regs[1] = cpu.rip();
    uint64_t const flags = cpu.flags.rflags();
    cpu.regs[11] = flags;
    cpu.flags.set_rflags(flags & ~cpu.msr.sfmask & ~x86::kFlagRf);
    cpu.seg[kSegCs] = flat_segment(selector, kTypeCodeReadAccessed, 0, true);
    cpu.seg[kSegSs] =
        flat_segment(static_cast<uint16_t>(selector + 8), kTypeDataWriteAccessed, 0, false);
    cpu.update_mode();
    cpu.set_rip(target);
}

void sysret(Cpu& cpu, Insn const& insn) {
    if (!cpu.long_mode_active || (cpu.efer & x86::kEferSce) == 0)
        raise_ud();
    if (cpu.cpl != 0)
        raise_gp(0);
    auto const base = static_cast<uint16_t>((cpu.msr.star >> 48) & 0xffff);
    bool const to_64bit = insn.operand_size == 8;
    uint64_t const target = to_64bit ? cpu.regs[1] : cpu.regs[1] & 0xffffffff;
    // A non-canonical return address faults in ring 0 (Intel SDM Vol. 2B "SYSRET").
    int64_t const high = static_cast<int64_t>(target) >> 47;
    if (high != 0 && high != -1)
        raise_gp(0);
    auto const cs = static_cast<uint16_t>((to_64bit ? base + 16 : base) | 3);
    cpu.seg[kSegCs] = flat_segment(cs, kTypeCodeReadAccessed, 3, to_64bit);
    cpu.seg[kSegSs] =
        flat_segment(static_cast<uint16_t>((base + 8) | 3), kTypeDataWriteAccessed, 3, false);
    uint64_t const old_flags = cpu.flags.rflags();
    cpu.flags.set_rflags((cpu.regs[11] & 0x3c7fd7) | x86::kFlagReserved1);
    cpu.update_mode();
    cpu.set_rip(target);
    if ((cpu.flags.rflags() & x86::kFlagIf) != 0 && (old_flags & x86::kFlagIf) == 0)
        interrupts_enabled(cpu);
}

void swapgs(Cpu& cpu, Insn const&) {
    if (cpu.code_mode != CodeMode::Bits64)
        raise_ud();
    if (cpu.cpl != 0)
        raise_gp(0);
    std::swap(cpu.seg[kSegGs].base, cpu.msr.kernel_gs_base);
}

// LSL: the limit of the segment a selector names, if it is visible at this privilege
// (Intel SDM Vol. 2A "LSL"); ZF tells whether it was.
void lsl(Cpu& cpu, Insn const& insn) {
    auto const selector = static_cast<uint16_t>(read_operand(cpu, insn, 1));
    bool ok = false;
    uint64_t d = 0;
    if ((selector & ~3U) != 0) {
        try {
            d = read_descriptor(cpu, selector);
            ok = true;
        } catch (GuestFault const& fault) {
            if (fault.vector != static_cast<uint8_t>(x86::Vector::GeneralProtection))
                throw;
        }
    }
    if (ok) {
        unsigned const type = descriptor_type(d);
        bool const system = (d & kDescNonSystem) == 0;
        bool const conforming_code = !system && (d & kDescCode) != 0 && (d & kDescConforming) != 0;
        if (system && type != 1 && type != 2 && type != 3 && type != 9 && type != 0xb)
            ok = false;
        if (!conforming_code &&
            (descriptor_dpl(d) < cpu.cpl || descriptor_dpl(d) < (selector & 3U)))
            ok = false;
    }
    if (ok)
        set_reg_n(cpu, insn.op[0].reg, insn.op[0].size,
                  x86::Segment::from_descriptor(selector, d).limit);
    cpu.flags.set_arith(x86::kFlagZf, ok ? x86::kFlagZf : 0);
}

} // namespace

void register_segment(Registry& registry) {
    OperandDesc const sreg = operand_desc(OpKind::Seg, 2);
    for (unsigned const size : {2U, 4U, 8U}) {
        registry.add<mov_to_sreg>(ZYDIS_MNEMONIC_MOV, make_form({sreg, R(size)}), kEndsBlock);
        registry.add<mov_from_sreg>(ZYDIS_MNEMONIC_MOV, make_form({R(size), sreg}));
    }
    registry.add<mov_to_sreg>(ZYDIS_MNEMONIC_MOV, make_form({sreg, M(2)}), kEndsBlock);
    registry.add<mov_from_sreg>(ZYDIS_MNEMONIC_MOV, make_form({M(2), sreg}));
    registry.add<pop_sreg>(ZYDIS_MNEMONIC_POP, make_form({sreg}), kEndsBlock);
    registry.add_any<jmp_far>(kMnemonicJmpFar, kEndsBlock);
    registry.add_any<call_far>(kMnemonicCallFar, kEndsBlock);
    registry.add_any<ret_far>(kMnemonicRetFar, kEndsBlock);
    registry.add_any<iret>(ZYDIS_MNEMONIC_IRET, kEndsBlock);
    registry.add_any<iret>(ZYDIS_MNEMONIC_IRETD, kEndsBlock);
    registry.add_any<iret>(ZYDIS_MNEMONIC_IRETQ, kEndsBlock);
    registry.add_any<syscall>(ZYDIS_MNEMONIC_SYSCALL, kEndsBlock);
    registry.add_any<sysret>(ZYDIS_MNEMONIC_SYSRET, kEndsBlock);
    registry.add_any<swapgs>(ZYDIS_MNEMONIC_SWAPGS);
    registry.add_any<lsl>(ZYDIS_MNEMONIC_LSL);
}

} // namespace vireo::emu
