// System instructions: control and debug registers, descriptor-table registers, TLB and
// cache control, CPUID, MSRs, the TSC, HLT, CLI/STI and software interrupts.
#include "emu/cpuid.h"
#include "emu/handlers.h"
#include "emu/interrupts.h"
#include "emu/msr.h"
#include "emu/operands.h"
#include "emu/segments.h"

namespace vireo::emu {

namespace {

void require_cpl0(Cpu const& cpu) {
    if (cpu.cpl != 0)
        raise_gp(0);
}

// CR4 bits vireo implements (Intel SDM Vol. 3A 2.5); setting any other raises #GP.
constexpr uint64_t kCr4Supported = x86::kCr4De | x86::kCr4Pse | x86::kCr4Pae | x86::kCr4Mce |
                                   x86::kCr4Pge | x86::kCr4Pce | x86::kCr4Osfxsr |
                                   x86::kCr4Osxmmexcpt | x86::kCr4Tsd;

void write_cr0(Cpu& cpu, uint64_t value) {
    // Intel SDM Vol. 3A 2.5 and 9.8.5: bits 63:32 are reserved, PG needs PE, NW needs CD,
    // and enabling paging with EFER.LME activates IA-32e mode (which needs CR4.PAE).
    value |= x86::kCr0Et;
    if ((value >> 32) != 0 || ((value & x86::kCr0Pg) != 0 && (value & x86::kCr0Pe) == 0) ||
        ((value & x86::kCr0Nw) != 0 && (value & x86::kCr0Cd) == 0))
        raise_gp(0);
    bool const enabling_paging = (value & x86::kCr0Pg) != 0 && !cpu.paging();
    bool const disabling_paging = (value & x86::kCr0Pg) == 0 && cpu.paging();
    if (enabling_paging && (cpu.efer & x86::kEferLme) != 0) {
        if ((cpu.cr4 & x86::kCr4Pae) == 0 || cpu.seg[kSegCs].long_mode)
            raise_gp(0);
        cpu.efer |= x86::kEferLma;
    }
    if (disabling_paging) {
        if (cpu.code_mode == CodeMode::Bits64)
            raise_gp(0);
        cpu.efer &= ~x86::kEferLma;
    }
    uint64_t const changed = cpu.cr0 ^ value;
    cpu.cr0 = value;
    if ((changed & (x86::kCr0Pg | x86::kCr0Wp | x86::kCr0Pe)) != 0)
        cpu.tlb.flush_all();
    cpu.update_mode();
}

void write_cr4(Cpu& cpu, uint64_t value) {
    if ((value & ~kCr4Supported) != 0)
        raise_gp(0);
    // PAE cannot be cleared in IA-32e mode (Intel SDM Vol. 3A 9.8.5).
    if (cpu.long_mode_active && (value & x86::kCr4Pae) == 0)
        raise_gp(0);
    uint64_t const changed = cpu.cr4 ^ value;
    cpu.cr4 = value;
    // Changing PGE, PAE or PSE invalidates all translations, global ones too (Intel SDM
    // Vol. 3A 4.10.4.1).
    if ((changed & (x86::kCr4Pge | x86::kCr4Pae | x86::kCr4Pse)) != 0)
        cpu.tlb.flush_all();
    cpu.update_mode();
}

void write_cr3(Cpu& cpu, uint64_t value) {
    // Without PCIDs, bit 63 and bits above MAXPHYADDR are reserved in IA-32e mode.
    if (cpu.long_mode_active && (value >> 42) != 0)
        raise_gp(0);
    cpu.cr3 = cpu.long_mode_active ? value : value & 0xffffffff;
    cpu.tlb.flush_non_global();
}

void mov_to_cr(Cpu& cpu, Insn const& insn) {
    require_cpl0(cpu);
    uint64_t const value = get_reg_n(cpu, insn.op[1].reg, insn.op[1].size);
    switch (insn.op[0].reg) {
    case 0:
        write_cr0(cpu, value);
        break;
    case 2:
        cpu.cr2 = value;
        break;
    case 3:
        write_cr3(cpu, value);
        break;
    case 4:
        write_cr4(cpu, value);
        break;
    case 8:
        if ((value & ~0xfULL) != 0)
            raise_gp(0);
        cpu.cr8 = value;
        if (cpu.hooks != nullptr)
            cpu.hooks->write_cr8(static_cast<uint8_t>(value));
        interrupts_enabled(cpu); // a lower priority may unmask a pending interrupt
        break;
    default:
        raise_ud();
    }
}

void mov_from_cr(Cpu& cpu, Insn const& insn) {
    require_cpl0(cpu);
    uint64_t value = 0;
    switch (insn.op[1].reg) {
    case 0:
        value = cpu.cr0;
        break;
    case 2:
        value = cpu.cr2;
        break;
    case 3:
        value = cpu.cr3;
        break;
    case 4:
        value = cpu.cr4;
        break;
    case 8:
        value = cpu.hooks != nullptr ? cpu.hooks->read_cr8() : cpu.cr8;
        break;
    default:
        raise_ud();
    }
    set_reg_n(cpu, insn.op[0].reg, insn.op[0].size, value);
}

// Debug registers are stored but raise no breakpoints. DR4/DR5 alias DR6/DR7 unless CR4.DE
// is set (Intel SDM Vol. 3A 18.2.2).
unsigned debug_register(Cpu const& cpu, unsigned n) {
    if (n == 4 || n == 5) {
        if ((cpu.cr4 & x86::kCr4De) != 0)
            raise_ud();
        return n + 2;
    }
    if (n > 7)
        raise_ud();
    return n;
}

void mov_to_dr(Cpu& cpu, Insn const& insn) {
    require_cpl0(cpu);
    unsigned const n = debug_register(cpu, insn.op[0].reg);
    cpu.dr[n] = get_reg_n(cpu, insn.op[1].reg, insn.op[1].size);
}

void mov_from_dr(Cpu& cpu, Insn const& insn) {
    require_cpl0(cpu);
    unsigned const n = debug_register(cpu, insn.op[1].reg);
    set_reg_n(cpu, insn.op[0].reg, insn.op[0].size, cpu.dr[n]);
}

// LGDT/LIDT read a 2-byte limit and a base of 8 bytes in 64-bit mode, else 4 (24 bits
// with a 16-bit operand size).
x86::DescriptorTable read_table_register(Cpu& cpu, Insn const& insn) {
    uint64_t const linear = linear_address(cpu, insn);
    x86::DescriptorTable table;
    table.limit = read_mem<uint16_t>(cpu, linear);
    if (cpu.code_mode == CodeMode::Bits64) {
        table.base = read_mem<uint64_t>(cpu, linear + 2);
    } else {
        table.base = read_mem<uint32_t>(cpu, linear + 2);
        if (insn.operand_size == 2)
            table.base &= 0xffffff;
    }
    return table;
}

void write_table_register(Cpu& cpu, Insn const& insn, x86::DescriptorTable const& table) {
    uint64_t const linear = linear_address(cpu, insn);
    unsigned const base_size = cpu.code_mode == CodeMode::Bits64 ? 8 : 4;
    // Probe both parts first so that a fault leaves memory unchanged.
    (void)read_mem_n(cpu, linear + 2, base_size);
    write_mem<uint16_t>(cpu, linear, table.limit);
    write_mem_n(cpu, linear + 2, base_size, table.base);
}

void lgdt(Cpu& cpu, Insn const& insn) {
    require_cpl0(cpu);
    cpu.gdt = read_table_register(cpu, insn);
}
void lidt(Cpu& cpu, Insn const& insn) {
    require_cpl0(cpu);
    cpu.idt = read_table_register(cpu, insn);
}
void sgdt(Cpu& cpu, Insn const& insn) {
    write_table_register(cpu, insn, cpu.gdt);
}
void sidt(Cpu& cpu, Insn const& insn) {
    write_table_register(cpu, insn, cpu.idt);
}

uint16_t selector_operand(Cpu& cpu, Insn const& insn) {
    return static_cast<uint16_t>(insn.op[0].kind == OpKind::Gpr
                                     ? get_reg<2>(cpu, insn.op[0].reg)
                                     : read_mem<uint16_t>(cpu, linear_address(cpu, insn)));
}

// A system segment (TSS or LDT) from the GDT, 16 bytes in IA-32e mode (Intel SDM Vol. 3A
// 8.2.3 and 7.2.3).
x86::Segment system_segment(Cpu& cpu, uint16_t selector, uint64_t descriptor) {
    x86::Segment segment = x86::Segment::from_descriptor(selector, descriptor);
    if (cpu.long_mode_active)
        segment.base |= (read_descriptor_high(cpu, selector) & 0xffffffff) << 32;
    return segment;
}

void ltr(Cpu& cpu, Insn const& insn) {
    if (!cpu.protected_mode())
        raise_ud();
    require_cpl0(cpu);
    uint16_t const selector = selector_operand(cpu, insn);
    if ((selector & ~3U) == 0 || (selector & 4) != 0)
        raise_gp(selector & ~3U);
    uint64_t const d = read_descriptor(cpu, selector);
    if ((d & kDescNonSystem) != 0 || descriptor_type(d) != kTypeTssAvailable)
        raise_gp(selector & ~3U);
    if ((d & kDescPresent) == 0)
        raise_fault(x86::Vector::SegmentNotPresent, selector & ~3U);
    x86::Segment const tr = system_segment(cpu, selector, d);
    // Mark the TSS busy (type 0xB) in the GDT, as the processor does.
    write_descriptor(cpu, selector, d | (2ULL << 40));
    cpu.tr = tr;
    cpu.tr.type = kTypeTssBusy;
}

void lldt(Cpu& cpu, Insn const& insn) {
    if (!cpu.protected_mode())
        raise_ud();
    require_cpl0(cpu);
    uint16_t const selector = selector_operand(cpu, insn);
    if ((selector & ~3U) == 0) {
        cpu.ldt = x86::Segment{};
        cpu.ldt.unusable = true;
        return;
    }
    uint64_t const d = read_descriptor(cpu, selector);
    if ((d & kDescNonSystem) != 0 || descriptor_type(d) != kTypeLdt)
        raise_gp(selector & ~3U);
    if ((d & kDescPresent) == 0)
        raise_fault(x86::Vector::SegmentNotPresent, selector & ~3U);
    cpu.ldt = system_segment(cpu, selector, d);
}

void store_selector(Cpu& cpu, Insn const& insn, uint16_t selector) {
    if (insn.op[0].kind == OpKind::Gpr)
        set_reg_n(cpu, insn.op[0].reg, insn.op[0].size, selector);
    else
        write_mem<uint16_t>(cpu, linear_address(cpu, insn), selector);
}
void str(Cpu& cpu, Insn const& insn) {
    store_selector(cpu, insn, cpu.tr.selector);
}
void sldt(Cpu& cpu, Insn const& insn) {
    store_selector(cpu, insn, cpu.ldt.selector);
}
void smsw(Cpu& cpu, Insn const& insn) {
    if (insn.op[0].kind == OpKind::Gpr)
        set_reg_n(cpu, insn.op[0].reg, insn.op[0].size, cpu.cr0);
    else
        write_mem<uint16_t>(cpu, linear_address(cpu, insn), static_cast<uint16_t>(cpu.cr0));
}
void lmsw(Cpu& cpu, Insn const& insn) {
    require_cpl0(cpu);
    // LMSW changes PE, MP, EM and TS, and cannot clear PE (Intel SDM Vol. 2A "LMSW").
    uint64_t const value = selector_operand(cpu, insn) & 0xf;
    uint64_t cr0 =
        (cpu.cr0 & ~0xeULL) | (value & 0xe) | (value & x86::kCr0Pe) | (cpu.cr0 & x86::kCr0Pe);
    write_cr0(cpu, cr0);
}

void clts(Cpu& cpu, Insn const&) {
    require_cpl0(cpu);
    cpu.cr0 &= ~x86::kCr0Ts;
}

void invlpg(Cpu& cpu, Insn const& insn) {
    require_cpl0(cpu);
    cpu.tlb.flush_page(linear_address(cpu, insn));
}

void privileged_nop(Cpu& cpu, Insn const&) {
    require_cpl0(cpu);
}

void do_cpuid(Cpu& cpu, Insn const&) {
    CpuidResult const r =
        cpuid(cpu, static_cast<uint32_t>(cpu.regs[0]), static_cast<uint32_t>(cpu.regs[1]));
    cpu.regs[0] = r.eax;
    cpu.regs[3] = r.ebx;
    cpu.regs[1] = r.ecx;
    cpu.regs[2] = r.edx;
}

void rdmsr(Cpu& cpu, Insn const&) {
    require_cpl0(cpu);
    auto const index = static_cast<uint32_t>(cpu.regs[1]);
    std::optional<uint64_t> value;
    if (cpu.hooks != nullptr)
        value = cpu.hooks->read_msr(index);
    if (!value)
        value = read_msr(cpu, index);
    if (!value)
        raise_gp(0);
    cpu.regs[0] = *value & 0xffffffff;
    cpu.regs[2] = *value >> 32;
}

void wrmsr(Cpu& cpu, Insn const&) {
    require_cpl0(cpu);
    auto const index = static_cast<uint32_t>(cpu.regs[1]);
    uint64_t const value = (cpu.regs[0] & 0xffffffff) | (cpu.regs[2] << 32);
    if (cpu.hooks != nullptr) {
        CpuHooks::WriteResult const result = cpu.hooks->write_msr(index, value);
        if (result == CpuHooks::WriteResult::Fault)
            raise_gp(0);
        if (result == CpuHooks::WriteResult::Done)
            return;
    }
    if (!write_msr(cpu, index, value))
        raise_gp(0);
}

void rdtsc(Cpu& cpu, Insn const&) {
    // CR4.TSD restricts RDTSC to CPL 0 (Intel SDM Vol. 2B "RDTSC").
    if ((cpu.cr4 & x86::kCr4Tsd) != 0 && cpu.cpl != 0)
        raise_gp(0);
    uint64_t const tsc = read_tsc(cpu);
    cpu.regs[0] = tsc & 0xffffffff;
    cpu.regs[2] = tsc >> 32;
}

void rdtscp(Cpu& cpu, Insn const& insn) {
    rdtsc(cpu, insn);
    cpu.regs[1] = cpu.msr.tsc_aux & 0xffffffff;
}

void hlt(Cpu& cpu, Insn const&) {
    require_cpl0(cpu);
    cpu.halted = true;
}

bool may_change_if(Cpu const& cpu) {
    // Intel SDM Vol. 2A "CLI": allowed when CPL <= IOPL (always in real mode).
    unsigned const iopl = static_cast<unsigned>((cpu.flags.rflags() & x86::kFlagIopl) >> 12);
    return !cpu.protected_mode() || cpu.cpl <= iopl;
}

void cli(Cpu& cpu, Insn const&) {
    if (!may_change_if(cpu))
        raise_gp(0);
    cpu.flags.set_system_bits(x86::kFlagIf, 0);
}

void sti(Cpu& cpu, Insn const&) {
    if (!may_change_if(cpu))
        raise_gp(0);
    if (!cpu.flags.interrupts_enabled()) {
        // No interrupt before the next instruction completes (Intel SDM Vol. 2B "STI").
        cpu.interrupt_shadow = true;
        cpu.shadow_rip = cpu.rip();
        cpu.flags.set_system_bits(x86::kFlagIf, x86::kFlagIf);
        interrupts_enabled(cpu);
    }
}

void int_n(Cpu& cpu, Insn const& insn) {
    deliver_event(cpu, static_cast<uint8_t>(insn.imm), EventType::Software, false, 0);
}
void int3(Cpu& cpu, Insn const&) {
    deliver_event(cpu, static_cast<uint8_t>(x86::Vector::Breakpoint), EventType::SoftwareException,
                  false, 0);
}
void into(Cpu& cpu, Insn const&) {
    if (cpu.flags.of())
        deliver_event(cpu, static_cast<uint8_t>(x86::Vector::Overflow),
                      EventType::SoftwareException, false, 0);
}
void int1(Cpu& cpu, Insn const&) {
    deliver_event(cpu, static_cast<uint8_t>(x86::Vector::Debug), EventType::External, false, 0);
}
void rdpmc(Cpu&, Insn const&) {
    raise_gp(0);
} // no performance counters are advertised

} // namespace

void handle_undefined(Cpu&, Insn const&) {
    raise_ud();
}

void register_system(Registry& registry) {
    for (unsigned const size : {4U, 8U}) {
        registry.add<mov_to_cr>(ZYDIS_MNEMONIC_MOV,
                                make_form({operand_desc(OpKind::Cr, size), R(size)}), kEndsBlock);
        registry.add<mov_from_cr>(ZYDIS_MNEMONIC_MOV,
                                  make_form({R(size), operand_desc(OpKind::Cr, size)}));
        registry.add<mov_to_dr>(ZYDIS_MNEMONIC_MOV,
                                make_form({operand_desc(OpKind::Dr, size), R(size)}));
        registry.add<mov_from_dr>(ZYDIS_MNEMONIC_MOV,
                                  make_form({R(size), operand_desc(OpKind::Dr, size)}));
    }
    registry.add_any<lgdt>(ZYDIS_MNEMONIC_LGDT);
    registry.add_any<lidt>(ZYDIS_MNEMONIC_LIDT);
    registry.add_any<sgdt>(ZYDIS_MNEMONIC_SGDT);
    registry.add_any<sidt>(ZYDIS_MNEMONIC_SIDT);
    registry.add_any<ltr>(ZYDIS_MNEMONIC_LTR);
    registry.add_any<lldt>(ZYDIS_MNEMONIC_LLDT);
    registry.add_any<str>(ZYDIS_MNEMONIC_STR);
    registry.add_any<sldt>(ZYDIS_MNEMONIC_SLDT);
    registry.add_any<smsw>(ZYDIS_MNEMONIC_SMSW);
    registry.add_any<lmsw>(ZYDIS_MNEMONIC_LMSW, kEndsBlock);
    registry.add_any<clts>(ZYDIS_MNEMONIC_CLTS);
    registry.add_any<invlpg>(ZYDIS_MNEMONIC_INVLPG, kEndsBlock);
    registry.add_any<privileged_nop>(ZYDIS_MNEMONIC_WBINVD);
    registry.add_any<privileged_nop>(ZYDIS_MNEMONIC_INVD);
    registry.add_any<do_cpuid>(ZYDIS_MNEMONIC_CPUID);
    registry.add_any<rdmsr>(ZYDIS_MNEMONIC_RDMSR);
    registry.add_any<wrmsr>(ZYDIS_MNEMONIC_WRMSR, kEndsBlock);
    registry.add_any<rdtsc>(ZYDIS_MNEMONIC_RDTSC);
    registry.add_any<rdtscp>(ZYDIS_MNEMONIC_RDTSCP);
    registry.add_any<rdpmc>(ZYDIS_MNEMONIC_RDPMC);
    registry.add_any<hlt>(ZYDIS_MNEMONIC_HLT, kEndsBlock);
    registry.add_any<cli>(ZYDIS_MNEMONIC_CLI);
    registry.add_any<sti>(ZYDIS_MNEMONIC_STI);
    registry.add_any<int_n>(ZYDIS_MNEMONIC_INT, kEndsBlock);
    registry.add_any<int3>(ZYDIS_MNEMONIC_INT3, kEndsBlock);
    registry.add_any<into>(ZYDIS_MNEMONIC_INTO, kEndsBlock);
    registry.add_any<int1>(ZYDIS_MNEMONIC_INT1, kEndsBlock);
    registry.add_any<handle_undefined>(ZYDIS_MNEMONIC_UD0, kEndsBlock);
    registry.add_any<handle_undefined>(ZYDIS_MNEMONIC_UD1, kEndsBlock);
    registry.add_any<handle_undefined>(ZYDIS_MNEMONIC_UD2, kEndsBlock);
}

} // namespace vireo::emu
