// x87/SSE state management the kernel needs whatever the guest computes: FXSAVE, FXRSTOR,
// LDMXCSR, STMXCSR and the x87 control instructions FNINIT, FWAIT, FNSTCW, FLDCW, FNSTSW,
// FNCLEX. Arithmetic lives in the exec_x87*/exec_sse* files.
#include "emu/handlers.h"
#include "emu/operands.h"

namespace vireo::emu {

namespace {

// CR0.TS makes x87/SSE instructions raise #NM so the kernel can switch FPU state lazily;
// CR0.EM makes them #NM (x87) or #UD (SSE) (Intel SDM Vol. 3A 2.5, Table 2-2).
void check_x87(Cpu const& cpu) {
    if ((cpu.cr0 & (x86::kCr0Ts | x86::kCr0Em)) != 0)
        raise_fault(x86::Vector::DeviceNotAvailable);
}

void check_fxsave(Cpu const& cpu, uint64_t linear) {
    if ((cpu.cr0 & x86::kCr0Em) != 0)
        raise_ud();
    if ((cpu.cr0 & x86::kCr0Ts) != 0)
        raise_fault(x86::Vector::DeviceNotAvailable);
    // The 512-byte area must be 16-byte aligned (Intel SDM Vol. 2A "FXSAVE").
    if ((linear & 15) != 0)
        raise_gp(0);
}

void fxsave(Cpu& cpu, Insn const& insn) {
    uint64_t const linear = linear_address(cpu, insn);
    check_fxsave(cpu, linear);
    // Written in 64-byte pieces; a fault part-way leaves a partial image, which the
    // architecture allows for FXSAVE.
    auto const* bytes = reinterpret_cast<uint8_t const*>(&cpu.fpu);
    for (unsigned offset = 0; offset < sizeof(FxsaveArea); offset += 8) {
        uint64_t piece = 0;
        std::memcpy(&piece, bytes + offset, 8);
        write_mem<uint64_t>(cpu, linear + offset, piece);
    }
}

void fxrstor(Cpu& cpu, Insn const& insn) {
    uint64_t const linear = linear_address(cpu, insn);
    check_fxsave(cpu, linear);
    FxsaveArea area;
    auto* bytes = reinterpret_cast<uint8_t*>(&area);
    for (unsigned offset = 0; offset < sizeof(FxsaveArea); offset += 8) {
        uint64_t const piece = read_mem<uint64_t>(cpu, linear + offset);
        std::memcpy(bytes + offset, &piece, 8);
    }
    if ((area.mxcsr & ~kMxcsrMask) != 0)
        raise_gp(0);
    area.mxcsr_mask = cpu.fpu.mxcsr_mask;
    cpu.fpu = area;
}

void check_sse(Cpu const& cpu) {
    if ((cpu.cr0 & x86::kCr0Em) != 0 || (cpu.cr4 & x86::kCr4Osfxsr) == 0)
        raise_ud();
    if ((cpu.cr0 & x86::kCr0Ts) != 0)
        raise_fault(x86::Vector::DeviceNotAvailable);
}

void ldmxcsr(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    uint32_t const value = read_mem<uint32_t>(cpu, linear_address(cpu, insn));
    if ((value & ~kMxcsrMask) != 0)
        raise_gp(0);
    cpu.fpu.mxcsr = value;
}

void stmxcsr(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    write_mem<uint32_t>(cpu, linear_address(cpu, insn), cpu.fpu.mxcsr);
}

void fninit(Cpu& cpu, Insn const&) {
    check_x87(cpu);
    // Intel SDM Vol. 1 8.1.5 / "FINIT": control word 0x37F, status and tags cleared.
    cpu.fpu.fcw = 0x37f;
    cpu.fpu.fsw = 0;
    cpu.fpu.ftw = 0;
    cpu.fpu.fop = 0;
    cpu.fpu.fip = 0;
    cpu.fpu.fdp = 0;
}

void fwait(Cpu& cpu, Insn const&) {
    // WAIT faults with #NM only when both MP and TS are set (Intel SDM Vol. 3A Table 2-2).
    if ((cpu.cr0 & x86::kCr0Mp) != 0 && (cpu.cr0 & x86::kCr0Ts) != 0)
        raise_fault(x86::Vector::DeviceNotAvailable);
}

void fnstcw(Cpu& cpu, Insn const& insn) {
    check_x87(cpu);
    write_mem<uint16_t>(cpu, linear_address(cpu, insn), cpu.fpu.fcw);
}

void fldcw(Cpu& cpu, Insn const& insn) {
    check_x87(cpu);
    cpu.fpu.fcw = read_mem<uint16_t>(cpu, linear_address(cpu, insn));
}

void fnstsw(Cpu& cpu, Insn const& insn) {
    check_x87(cpu);
    if (insn.op[0].kind == OpKind::Gpr)
        set_reg<2>(cpu, insn.op[0].reg, cpu.fpu.fsw);
    else
        write_mem<uint16_t>(cpu, linear_address(cpu, insn), cpu.fpu.fsw);
}

void fnclex(Cpu& cpu, Insn const&) {
    check_x87(cpu);
    cpu.fpu.fsw &= 0x7f00; // clears the exception flags, ES and B (Intel SDM "FCLEX")
}

} // namespace

void register_fpu_state(Registry& registry) {
    registry.add_any<fxsave>(ZYDIS_MNEMONIC_FXSAVE);
    registry.add_any<fxsave>(ZYDIS_MNEMONIC_FXSAVE64);
    registry.add_any<fxrstor>(ZYDIS_MNEMONIC_FXRSTOR);
    registry.add_any<fxrstor>(ZYDIS_MNEMONIC_FXRSTOR64);
    registry.add_any<ldmxcsr>(ZYDIS_MNEMONIC_LDMXCSR);
    registry.add_any<stmxcsr>(ZYDIS_MNEMONIC_STMXCSR);
    registry.add_any<fninit>(ZYDIS_MNEMONIC_FNINIT);
    registry.add_any<fwait>(ZYDIS_MNEMONIC_FWAIT);
    registry.add_any<fnstcw>(ZYDIS_MNEMONIC_FNSTCW);
    registry.add_any<fldcw>(ZYDIS_MNEMONIC_FLDCW);
    registry.add_any<fnstsw>(ZYDIS_MNEMONIC_FNSTSW);
    registry.add_any<fnclex>(ZYDIS_MNEMONIC_FNCLEX);
}

} // namespace vireo::emu
