#include "emu/cpu.h"

namespace vireo::emu {

namespace {

// Never filled: data accesses look up this table while alignment checking is armed, so that
// they all miss and reach the check in memory.cpp.
TlbEntry g_empty_tlb[kTlbSize];

} // namespace

void Cpu::update_alignment_check() {
    alignment_check =
        (cr0 & x86::kCr0Am) != 0 && (flags.system_bits() & x86::kFlagAc) != 0 && cpl == 3;
    unsigned const user = cpl == 3 ? 1 : 0;
    tlb_read = alignment_check ? g_empty_tlb : tlb.table(Access::Read, user);
    tlb_write = alignment_check ? g_empty_tlb : tlb.table(Access::Write, user);
}

void Cpu::update_mode() {
    long_mode_active = (efer & x86::kEferLma) != 0;
    x86::Segment const& cs = seg[kSegCs];
    if (long_mode_active && cs.long_mode)
        code_mode = CodeMode::Bits64;
    else
        code_mode = protected_mode() && cs.db ? CodeMode::Bits32 : CodeMode::Bits16;
    // CPL is the DPL of SS (Intel SDM Vol. 3A 5.5, and how VMX stores it); 0 in real mode.
    cpl = protected_mode() ? seg[kSegSs].dpl : 0;
    if (code_mode == CodeMode::Bits64)
        stack_mask = ~0ULL;
    else
        stack_mask = seg[kSegSs].db ? 0xffffffffULL : 0xffffULL;
    linear_mask = code_mode == CodeMode::Bits64 ? ~0ULL : 0xffffffffULL;
    tlb_exec = tlb.table(Access::Execute, cpl == 3 ? 1 : 0);
    update_alignment_check();
}

x86::CpuState save_state(Cpu const& cpu) {
    x86::CpuState state;
    for (unsigned i = 0; i < x86::kGprCount; ++i)
        state.gpr[i] = cpu.regs[i];
    state.rip = cpu.rip();
    state.rflags = cpu.flags.rflags();
    state.es = cpu.seg[kSegEs];
    state.cs = cpu.seg[kSegCs];
    state.ss = cpu.seg[kSegSs];
    state.ds = cpu.seg[kSegDs];
    state.fs = cpu.seg[kSegFs];
    state.gs = cpu.seg[kSegGs];
    state.tr = cpu.tr;
    state.ldt = cpu.ldt;
    state.gdt = cpu.gdt;
    state.idt = cpu.idt;
    state.cr0 = cpu.cr0;
    state.cr2 = cpu.cr2;
    state.cr3 = cpu.cr3;
    state.cr4 = cpu.cr4;
    state.cr8 = cpu.cr8;
    state.efer = cpu.efer;
    state.apic_base = cpu.apic_base;
    return state;
}

void load_state(Cpu& cpu, x86::CpuState const& state) {
    for (unsigned i = 0; i < x86::kGprCount; ++i)
        cpu.regs[i] = state.gpr[i];
    cpu.set_rip(state.rip);
    cpu.flags.set_rflags(state.rflags);
    cpu.seg[kSegEs] = state.es;
    cpu.seg[kSegCs] = state.cs;
    cpu.seg[kSegSs] = state.ss;
    cpu.seg[kSegDs] = state.ds;
    cpu.seg[kSegFs] = state.fs;
    cpu.seg[kSegGs] = state.gs;
    cpu.seg[kSegFlat] = x86::Segment{};
    cpu.tr = state.tr;
    cpu.ldt = state.ldt;
    cpu.gdt = state.gdt;
    cpu.idt = state.idt;
    cpu.cr0 = state.cr0;
    cpu.cr2 = state.cr2;
    cpu.cr3 = state.cr3;
    cpu.cr4 = state.cr4;
    cpu.cr8 = state.cr8;
    cpu.efer = state.efer;
    if (state.apic_base != 0)
        cpu.apic_base = state.apic_base;
    cpu.tlb.flush_all();
    cpu.update_mode();
}

namespace {

x86::Segment real_mode_segment(uint16_t selector, uint8_t type) {
    x86::Segment s;
    s.selector = selector;
    s.base = static_cast<uint64_t>(selector) << 4;
    s.limit = 0xffff;
    s.type = type;
    s.present = true;
    return s;
}

} // namespace

void reset_cpu(Cpu& cpu) {
    // Intel SDM Vol. 3A 9.1.1, Table 9-1: state after RESET/INIT.
    for (auto& reg : cpu.regs)
        reg = 0;
    cpu.regs[2] = 0x600; // EDX: family 6 (the processor signature)
    cpu.set_rip(0xfff0);
    cpu.flags.set_rflags(x86::kFlagReserved1);
    constexpr uint8_t kDataReadWriteAccessed = 0x3;
    constexpr uint8_t kCodeReadAccessed = 0xb;
    for (unsigned s = 0; s < kSegFlat; ++s)
        cpu.seg[s] = real_mode_segment(0, kDataReadWriteAccessed);
    cpu.seg[kSegCs] = real_mode_segment(0xf000, kCodeReadAccessed);
    cpu.seg[kSegCs].base = 0xffff0000;
    cpu.seg[kSegFlat] = x86::Segment{};
    cpu.tr = x86::Segment{};
    cpu.tr.type = 0xb; // busy 32-bit TSS
    cpu.tr.present = true;
    cpu.tr.system = true;
    cpu.tr.limit = 0xffff;
    cpu.ldt = x86::Segment{};
    cpu.ldt.type = 0x2;
    cpu.ldt.present = true;
    cpu.ldt.system = true;
    cpu.ldt.limit = 0xffff;
    cpu.gdt = {0, 0xffff};
    cpu.idt = {0, 0xffff};
    cpu.cr0 = 0x60000010;
    cpu.cr2 = cpu.cr3 = cpu.cr4 = cpu.cr8 = 0;
    cpu.efer = 0;
    cpu.fpu = FxsaveArea{};
    cpu.interrupt_shadow = false;
    cpu.nmi_blocked = false;
    cpu.halted = false;
    cpu.tlb.flush_all();
    cpu.update_mode();
}

} // namespace vireo::emu
