// Instructions with no better home: NOPs and hints, flag bit instructions, sign extension of
// the accumulator, XLAT, fences and cache hints.
#include <atomic>

#include <sched.h>

#include "emu/handlers.h"
#include "emu/operands.h"

namespace vireo::emu {

namespace {

void nop(Cpu&, Insn const&) {}

// PAUSE marks a spin-wait loop (Intel SDM Vol. 2B "PAUSE"). With several vCPUs the one being
// waited for may need this host CPU: give it up.
void pause(Cpu& cpu, Insn const&) {
    if (cpu.machine != nullptr && cpu.machine->vcpu_count > 1)
        sched_yield();
}

void clc(Cpu& cpu, Insn const&) {
    cpu.flags.set_arith(x86::kFlagCf, 0);
}
void stc(Cpu& cpu, Insn const&) {
    cpu.flags.set_arith(x86::kFlagCf, x86::kFlagCf);
}
void cmc(Cpu& cpu, Insn const&) {
    cpu.flags.set_arith(x86::kFlagCf, cpu.flags.cf() ? 0 : x86::kFlagCf);
}
void cld(Cpu& cpu, Insn const&) {
    cpu.flags.set_system_bits(x86::kFlagDf, 0);
}
void std_(Cpu& cpu, Insn const&) {
    cpu.flags.set_system_bits(x86::kFlagDf, x86::kFlagDf);
}

// LAHF/SAHF move SF:ZF:0:AF:0:PF:1:CF between AH and FLAGS (Intel SDM Vol. 2A "LAHF").
constexpr uint64_t kLahfFlags =
    x86::kFlagSf | x86::kFlagZf | x86::kFlagAf | x86::kFlagPf | x86::kFlagCf;
void lahf(Cpu& cpu, Insn const&) {
    set_reg<1>(cpu, 1, (cpu.flags.rflags() & kLahfFlags) | x86::kFlagReserved1);
}
void sahf(Cpu& cpu, Insn const&) {
    cpu.flags.set_arith(kLahfFlags, get_reg<1>(cpu, 1));
}

// CBW/CWDE/CDQE sign-extend the accumulator's lower half into all of it.
template <unsigned S>
void extend_accumulator(Cpu& cpu, Insn const&) {
    set_reg<S>(cpu, 0, static_cast<uint64_t>(sign_extend(get_reg<S / 2>(cpu, 0), S / 2)));
}

// CWD/CDQ/CQO copy the accumulator's sign into rDX.
template <unsigned S>
void sign_to_rdx(Cpu& cpu, Insn const&) {
    bool const negative = (get_reg<S>(cpu, 0) & sign_bit(S)) != 0;
    set_reg<S>(cpu, 16, negative ? ~0ULL : 0);
}

void xlat(Cpu& cpu, Insn const& insn) {
    uint64_t const offset = (cpu.regs[3] + get_reg<1>(cpu, 0)) & insn.address_mask;
    set_reg<1>(cpu, 0, read_mem<uint8_t>(cpu, segment_linear(cpu, insn.seg, offset)));
}

void mfence(Cpu&, Insn const&) {
    std::atomic_thread_fence(std::memory_order_seq_cst);
}

// CLFLUSH checks that the line is accessible (it can fault like a read) and does nothing else:
// guest memory is ordinary cached host memory.
void clflush(Cpu& cpu, Insn const& insn) {
    (void)read_mem<uint8_t>(cpu, linear_address(cpu, insn));
}

} // namespace

void register_misc(Registry& registry) {
    for (ZydisMnemonic const mnemonic :
         {ZYDIS_MNEMONIC_NOP, ZYDIS_MNEMONIC_LFENCE, ZYDIS_MNEMONIC_SFENCE,
          ZYDIS_MNEMONIC_PREFETCHNTA, ZYDIS_MNEMONIC_PREFETCHT0, ZYDIS_MNEMONIC_PREFETCHT1,
          ZYDIS_MNEMONIC_PREFETCHT2, ZYDIS_MNEMONIC_PREFETCHW, ZYDIS_MNEMONIC_PREFETCH,
          ZYDIS_MNEMONIC_ENDBR32, ZYDIS_MNEMONIC_ENDBR64})
        registry.add_any<nop>(mnemonic);
    registry.add_any<mfence>(ZYDIS_MNEMONIC_MFENCE);
    registry.add_any<pause>(ZYDIS_MNEMONIC_PAUSE);
    registry.add_any<clflush>(ZYDIS_MNEMONIC_CLFLUSH);
    registry.add<clc>(ZYDIS_MNEMONIC_CLC, make_form({}));
    registry.add<stc>(ZYDIS_MNEMONIC_STC, make_form({}));
    registry.add<cmc>(ZYDIS_MNEMONIC_CMC, make_form({}));
    registry.add<cld>(ZYDIS_MNEMONIC_CLD, make_form({}));
    registry.add<std_>(ZYDIS_MNEMONIC_STD, make_form({}));
    registry.add<lahf>(ZYDIS_MNEMONIC_LAHF, make_form({}));
    registry.add<sahf>(ZYDIS_MNEMONIC_SAHF, make_form({}));
    registry.add<extend_accumulator<2>>(ZYDIS_MNEMONIC_CBW, make_form({}));
    registry.add<extend_accumulator<4>>(ZYDIS_MNEMONIC_CWDE, make_form({}));
    registry.add<extend_accumulator<8>>(ZYDIS_MNEMONIC_CDQE, make_form({}));
    registry.add<sign_to_rdx<2>>(ZYDIS_MNEMONIC_CWD, make_form({}));
    registry.add<sign_to_rdx<4>>(ZYDIS_MNEMONIC_CDQ, make_form({}));
    registry.add<sign_to_rdx<8>>(ZYDIS_MNEMONIC_CQO, make_form({}));
    registry.add_any<xlat>(ZYDIS_MNEMONIC_XLAT);
}

} // namespace vireo::emu
