#include "kvm/kvm_state.h"

namespace vireo::kvm {

namespace {

x86::Segment segment_from_kvm(kvm_segment const& s) {
    x86::Segment out;
    out.base = s.base;
    out.limit = s.limit;
    out.selector = s.selector;
    out.type = s.type;
    out.dpl = s.dpl;
    out.present = s.present != 0;
    out.system = s.s == 0;
    out.db = s.db != 0;
    out.long_mode = s.l != 0;
    out.granularity = s.g != 0;
    out.available = s.avl != 0;
    out.unusable = s.unusable != 0;
    return out;
}

kvm_segment segment_to_kvm(x86::Segment const& s) {
    kvm_segment out{};
    out.base = s.base;
    out.limit = s.limit;
    out.selector = s.selector;
    out.type = s.type;
    out.dpl = s.dpl;
    out.present = s.present ? 1 : 0;
    out.s = s.system ? 0 : 1;
    out.db = s.db ? 1 : 0;
    out.l = s.long_mode ? 1 : 0;
    out.g = s.granularity ? 1 : 0;
    out.avl = s.available ? 1 : 0;
    out.unusable = s.unusable ? 1 : 0;
    return out;
}

} // namespace

x86::CpuState state_from_kvm(kvm_regs const& regs, kvm_sregs const& sregs) {
    x86::CpuState state;
    uint64_t const gpr[x86::kGprCount] = {
        regs.rax, regs.rcx, regs.rdx, regs.rbx, regs.rsp, regs.rbp, regs.rsi, regs.rdi,
        regs.r8,  regs.r9,  regs.r10, regs.r11, regs.r12, regs.r13, regs.r14, regs.r15};
    std::copy(std::begin(gpr), std::end(gpr), state.gpr.begin());
    state.rip = regs.rip;
    state.rflags = regs.rflags;
    state.cs = segment_from_kvm(sregs.cs);
    state.ds = segment_from_kvm(sregs.ds);
    state.es = segment_from_kvm(sregs.es);
    state.fs = segment_from_kvm(sregs.fs);
    state.gs = segment_from_kvm(sregs.gs);
    state.ss = segment_from_kvm(sregs.ss);
    state.tr = segment_from_kvm(sregs.tr);
    state.ldt = segment_from_kvm(sregs.ldt);
    state.gdt = {sregs.gdt.base, sregs.gdt.limit};
    state.idt = {sregs.idt.base, sregs.idt.limit};
    state.cr0 = sregs.cr0;
    state.cr2 = sregs.cr2;
    state.cr3 = sregs.cr3;
    state.cr4 = sregs.cr4;
    state.cr8 = sregs.cr8;
    state.efer = sregs.efer;
    state.apic_base = sregs.apic_base;
    return state;
}

void state_to_kvm(x86::CpuState const& state, kvm_regs& regs, kvm_sregs& sregs) {
    using x86::Gpr;
    regs.rax = state.reg(Gpr::Rax);
    regs.rcx = state.reg(Gpr::Rcx);
    regs.rdx = state.reg(Gpr::Rdx);
    regs.rbx = state.reg(Gpr::Rbx);
    regs.rsp = state.reg(Gpr::Rsp);
    regs.rbp = state.reg(Gpr::Rbp);
    regs.rsi = state.reg(Gpr::Rsi);
    regs.rdi = state.reg(Gpr::Rdi);
    regs.r8 = state.reg(Gpr::R8);
    regs.r9 = state.reg(Gpr::R9);
    regs.r10 = state.reg(Gpr::R10);
    regs.r11 = state.reg(Gpr::R11);
    regs.r12 = state.reg(Gpr::R12);
    regs.r13 = state.reg(Gpr::R13);
    regs.r14 = state.reg(Gpr::R14);
    regs.r15 = state.reg(Gpr::R15);
    regs.rip = state.rip;
    regs.rflags = state.rflags;
    sregs.cs = segment_to_kvm(state.cs);
    sregs.ds = segment_to_kvm(state.ds);
    sregs.es = segment_to_kvm(state.es);
    sregs.fs = segment_to_kvm(state.fs);
    sregs.gs = segment_to_kvm(state.gs);
    sregs.ss = segment_to_kvm(state.ss);
    sregs.tr = segment_to_kvm(state.tr);
    sregs.ldt = segment_to_kvm(state.ldt);
    sregs.gdt.base = state.gdt.base;
    sregs.gdt.limit = state.gdt.limit;
    sregs.idt.base = state.idt.base;
    sregs.idt.limit = state.idt.limit;
    sregs.cr0 = state.cr0;
    sregs.cr2 = state.cr2;
    sregs.cr3 = state.cr3;
    sregs.cr4 = state.cr4;
    sregs.cr8 = state.cr8;
    sregs.efer = state.efer;
    if (state.apic_base != 0)
        sregs.apic_base = state.apic_base;
}

} // namespace vireo::kvm
