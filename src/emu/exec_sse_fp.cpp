// SSE/SSE2 floating-point arithmetic and comparisons: ADD/SUB/MUL/DIV/MIN/MAX/SQRT ps/ss/pd/sd,
// RCP/RSQRT ps/ss, CMPps/ss/pd/sd with all eight predicates, COMISS/UCOMISS/COMISD/UCOMISD.
// Each runs as the same host instruction (sse_host.h).
#include "emu/sse_host.h"

namespace vireo::emu::simd {

namespace {

// "op ps/ss/pd/sd": four host instructions per operation.
#define VIREO_SSE_FOUR(op)                                                                         \
    VIREO_SSE_HOST_VV(op##ps, #op "ps %[src], %[dst]")                                             \
    VIREO_SSE_HOST_VV(op##ss, #op "ss %[src], %[dst]")                                             \
    VIREO_SSE_HOST_VV(op##pd, #op "pd %[src], %[dst]")                                             \
    VIREO_SSE_HOST_VV(op##sd, #op "sd %[src], %[dst]")
VIREO_SSE_FOUR(add)
VIREO_SSE_FOUR(sub)
VIREO_SSE_FOUR(mul)
VIREO_SSE_FOUR(div)
VIREO_SSE_FOUR(min)
VIREO_SSE_FOUR(max)
VIREO_SSE_FOUR(sqrt)
#undef VIREO_SSE_FOUR
VIREO_SSE_HOST_VV(rcpps, "rcpps %[src], %[dst]")
VIREO_SSE_HOST_VV(rcpss, "rcpss %[src], %[dst]")
VIREO_SSE_HOST_VV(rsqrtps, "rsqrtps %[src], %[dst]")
VIREO_SSE_HOST_VV(rsqrtss, "rsqrtss %[src], %[dst]")
VIREO_SSE_HOST_VVI(cmpps, "cmpps %[imm], %[src], %[dst]")
VIREO_SSE_HOST_VVI(cmpss, "cmpss %[imm], %[src], %[dst]")
VIREO_SSE_HOST_VVI(cmppd, "cmppd %[imm], %[src], %[dst]")
VIREO_SSE_HOST_VVI(cmpsd, "cmpsd %[imm], %[src], %[dst]")

// CMPxx: legacy SSE encodings use predicates 0-7 from imm8[2:0] (Intel SDM Vol. 2A "CMPPS",
// Table 3-1); the predicate is an immediate of the host instruction, so the handler picks one
// of eight instances.
template <HostVV const* ByPredicate, Src S>
void compare(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    Vec const src = source<S>(cpu, insn);
    Vec const dst = xmm(cpu, insn.op[0].reg);
    HostVV const fn = ByPredicate[insn.imm & 7];
    Vec result;
    simd_fp(cpu, [&](uint32_t control) {
        result = dst;
        return fn(result, src, control);
    });
    set_xmm(cpu, insn.op[0].reg, result);
}

constexpr HostVV kCmpPs[8] = {cmpps<0>, cmpps<1>, cmpps<2>, cmpps<3>,
                              cmpps<4>, cmpps<5>, cmpps<6>, cmpps<7>};
constexpr HostVV kCmpSs[8] = {cmpss<0>, cmpss<1>, cmpss<2>, cmpss<3>,
                              cmpss<4>, cmpss<5>, cmpss<6>, cmpss<7>};
constexpr HostVV kCmpPd[8] = {cmppd<0>, cmppd<1>, cmppd<2>, cmppd<3>,
                              cmppd<4>, cmppd<5>, cmppd<6>, cmppd<7>};
constexpr HostVV kCmpSd[8] = {cmpsd<0>, cmpsd<1>, cmpsd<2>, cmpsd<3>,
                              cmpsd<4>, cmpsd<5>, cmpsd<6>, cmpsd<7>};

template <HostVV const* ByPredicate, Src Mem>
void add_compare(Registry& registry, ZydisMnemonic mnemonic) {
    add<compare<ByPredicate, Src::Xmm>>(registry, mnemonic, {kX, kX, kI});
    add<compare<ByPredicate, Mem>>(registry, mnemonic, {kX, pattern_of(Mem), kI});
}

// COMISx/UCOMISx set ZF, PF and CF like an unsigned compare (all three when unordered) and
// clear OF, SF and AF (Intel SDM Vol. 2A "COMISS"). COMIS signals invalid for QNaNs too.
using HostFlags = uint32_t (*)(uint64_t& flags, Vec a, Vec b, uint32_t control);

#define VIREO_SSE_HOST_COMPARE(name, text)                                                         \
    uint32_t name(uint64_t& flags, Vec a, Vec b, uint32_t control) {                               \
        uint32_t saved;                                                                            \
        bool zf, pf, cf;                                                                           \
        asm volatile("stmxcsr %[saved]\n\t"                                                        \
                     "ldmxcsr %[ctl]\n\t" text " %[b], %[a]\n\t"                                   \
                     "stmxcsr %[ctl]\n\t"                                                          \
                     "ldmxcsr %[saved]"                                                            \
                     : "=@ccz"(zf), "=@ccp"(pf),                                                   \
                       "=@ccc"(cf), [ctl] "+m"(control), [saved] "=m"(saved)                       \
                     : [a] "x"(a), [b] "x"(b));                                                    \
        flags = (zf ? x86::kFlagZf : 0) | (pf ? x86::kFlagPf : 0) | (cf ? x86::kFlagCf : 0);       \
        return control;                                                                            \
    }
VIREO_SSE_HOST_COMPARE(comiss, "comiss")
VIREO_SSE_HOST_COMPARE(ucomiss, "ucomiss")
VIREO_SSE_HOST_COMPARE(comisd, "comisd")
VIREO_SSE_HOST_COMPARE(ucomisd, "ucomisd")
#undef VIREO_SSE_HOST_COMPARE

template <HostFlags Fn, Src S>
void compare_flags(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    Vec const b = source<S>(cpu, insn);
    Vec const a = xmm(cpu, insn.op[0].reg);
    uint64_t flags = 0;
    simd_fp(cpu, [&](uint32_t control) { return Fn(flags, a, b, control); });
    cpu.flags.set_arith(kArithFlags, flags);
}

template <HostFlags Fn, Src Mem>
void add_compare_flags(Registry& registry, ZydisMnemonic mnemonic) {
    add<compare_flags<Fn, Src::Xmm>>(registry, mnemonic, {kX, kX});
    add<compare_flags<Fn, Mem>>(registry, mnemonic, {kX, pattern_of(Mem)});
}

} // namespace

void register_sse_fp(Registry& registry) {
    add_fp_op<addps, Src::M128>(registry, ZYDIS_MNEMONIC_ADDPS);
    add_fp_op<addss, Src::M32>(registry, ZYDIS_MNEMONIC_ADDSS);
    add_fp_op<addpd, Src::M128>(registry, ZYDIS_MNEMONIC_ADDPD);
    add_fp_op<addsd, Src::M64>(registry, ZYDIS_MNEMONIC_ADDSD);
    add_fp_op<subps, Src::M128>(registry, ZYDIS_MNEMONIC_SUBPS);
    add_fp_op<subss, Src::M32>(registry, ZYDIS_MNEMONIC_SUBSS);
    add_fp_op<subpd, Src::M128>(registry, ZYDIS_MNEMONIC_SUBPD);
    add_fp_op<subsd, Src::M64>(registry, ZYDIS_MNEMONIC_SUBSD);
    add_fp_op<mulps, Src::M128>(registry, ZYDIS_MNEMONIC_MULPS);
    add_fp_op<mulss, Src::M32>(registry, ZYDIS_MNEMONIC_MULSS);
    add_fp_op<mulpd, Src::M128>(registry, ZYDIS_MNEMONIC_MULPD);
    add_fp_op<mulsd, Src::M64>(registry, ZYDIS_MNEMONIC_MULSD);
    add_fp_op<divps, Src::M128>(registry, ZYDIS_MNEMONIC_DIVPS);
    add_fp_op<divss, Src::M32>(registry, ZYDIS_MNEMONIC_DIVSS);
    add_fp_op<divpd, Src::M128>(registry, ZYDIS_MNEMONIC_DIVPD);
    add_fp_op<divsd, Src::M64>(registry, ZYDIS_MNEMONIC_DIVSD);
    add_fp_op<minps, Src::M128>(registry, ZYDIS_MNEMONIC_MINPS);
    add_fp_op<minss, Src::M32>(registry, ZYDIS_MNEMONIC_MINSS);
    add_fp_op<minpd, Src::M128>(registry, ZYDIS_MNEMONIC_MINPD);
    add_fp_op<minsd, Src::M64>(registry, ZYDIS_MNEMONIC_MINSD);
    add_fp_op<maxps, Src::M128>(registry, ZYDIS_MNEMONIC_MAXPS);
    add_fp_op<maxss, Src::M32>(registry, ZYDIS_MNEMONIC_MAXSS);
    add_fp_op<maxpd, Src::M128>(registry, ZYDIS_MNEMONIC_MAXPD);
    add_fp_op<maxsd, Src::M64>(registry, ZYDIS_MNEMONIC_MAXSD);
    add_fp_op<sqrtps, Src::M128>(registry, ZYDIS_MNEMONIC_SQRTPS);
    add_fp_op<sqrtss, Src::M32>(registry, ZYDIS_MNEMONIC_SQRTSS);
    add_fp_op<sqrtpd, Src::M128>(registry, ZYDIS_MNEMONIC_SQRTPD);
    add_fp_op<sqrtsd, Src::M64>(registry, ZYDIS_MNEMONIC_SQRTSD);
    add_fp_op<rcpps, Src::M128>(registry, ZYDIS_MNEMONIC_RCPPS);
    add_fp_op<rcpss, Src::M32>(registry, ZYDIS_MNEMONIC_RCPSS);
    add_fp_op<rsqrtps, Src::M128>(registry, ZYDIS_MNEMONIC_RSQRTPS);
    add_fp_op<rsqrtss, Src::M32>(registry, ZYDIS_MNEMONIC_RSQRTSS);
    add_compare<kCmpPs, Src::M128>(registry, ZYDIS_MNEMONIC_CMPPS);
    add_compare<kCmpSs, Src::M32>(registry, ZYDIS_MNEMONIC_CMPSS);
    add_compare<kCmpPd, Src::M128>(registry, ZYDIS_MNEMONIC_CMPPD);
    add_compare<kCmpSd, Src::M64>(registry, ZYDIS_MNEMONIC_CMPSD);
    add_compare_flags<comiss, Src::M32>(registry, ZYDIS_MNEMONIC_COMISS);
    add_compare_flags<ucomiss, Src::M32>(registry, ZYDIS_MNEMONIC_UCOMISS);
    add_compare_flags<comisd, Src::M64>(registry, ZYDIS_MNEMONIC_COMISD);
    add_compare_flags<ucomisd, Src::M64>(registry, ZYDIS_MNEMONIC_UCOMISD);
}

} // namespace vireo::emu::simd
