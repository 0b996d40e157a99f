// SSE/SSE2 conversions: between integers (GPR, memory, XMM, MMX) and single/double precision,
// and between the two precisions, including the truncating CVTT* forms. Out-of-range and NaN
// inputs give the integer indefinite (0x80000000 / 0x8000000000000000) with #IA, as the host
// instruction that computes them does (Intel SDM Vol. 1 4.8.3.7).
#include "emu/sse_host.h"

namespace vireo::emu::simd {

namespace {

#define VIREO_SSE_TO_INT(name, op)                                                                 \
    VIREO_SSE_HOST_RV(name##32, #op " %[src], %k[dst]")                                            \
    VIREO_SSE_HOST_RV(name##64, #op " %[src], %q[dst]")
VIREO_SSE_TO_INT(cvtss2si, cvtss2si)
VIREO_SSE_TO_INT(cvttss2si, cvttss2si)
VIREO_SSE_TO_INT(cvtsd2si, cvtsd2si)
VIREO_SSE_TO_INT(cvttsd2si, cvttsd2si)
#undef VIREO_SSE_TO_INT
VIREO_SSE_HOST_VR(cvtsi2ss32, "cvtsi2ssl %k[src], %[dst]")
VIREO_SSE_HOST_VR(cvtsi2ss64, "cvtsi2ssq %q[src], %[dst]")
VIREO_SSE_HOST_VR(cvtsi2sd32, "cvtsi2sdl %k[src], %[dst]")
VIREO_SSE_HOST_VR(cvtsi2sd64, "cvtsi2sdq %q[src], %[dst]")
VIREO_SSE_HOST_VV(cvtps2pd, "cvtps2pd %[src], %[dst]")
VIREO_SSE_HOST_VV(cvtpd2ps, "cvtpd2ps %[src], %[dst]")
VIREO_SSE_HOST_VV(cvtss2sd, "cvtss2sd %[src], %[dst]")
VIREO_SSE_HOST_VV(cvtsd2ss, "cvtsd2ss %[src], %[dst]")
VIREO_SSE_HOST_VV(cvtdq2ps, "cvtdq2ps %[src], %[dst]")
VIREO_SSE_HOST_VV(cvtps2dq, "cvtps2dq %[src], %[dst]")
VIREO_SSE_HOST_VV(cvttps2dq, "cvttps2dq %[src], %[dst]")
VIREO_SSE_HOST_VV(cvtdq2pd, "cvtdq2pd %[src], %[dst]")
VIREO_SSE_HOST_VV(cvtpd2dq, "cvtpd2dq %[src], %[dst]")
VIREO_SSE_HOST_VV(cvttpd2dq, "cvttpd2dq %[src], %[dst]")

// CVT(T)SS2SI/CVT(T)SD2SI r32/r64, xmm/m.
template <HostRV Fn, Src S, unsigned Size>
void to_int(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    Vec const src = source<S>(cpu, insn);
    uint64_t result = 0;
    simd_fp(cpu, [&](uint32_t control) { return Fn(result, src, control); });
    set_reg<Size>(cpu, insn.op[0].reg, result);
}

template <HostRV Fn32, HostRV Fn64, Src Mem>
void add_to_int(Registry& registry, ZydisMnemonic mnemonic) {
    add<to_int<Fn32, Src::Xmm, 4>>(registry, mnemonic, {gpr(4), kX});
    add<to_int<Fn32, Mem, 4>>(registry, mnemonic, {gpr(4), pattern_of(Mem)});
    add<to_int<Fn64, Src::Xmm, 8>>(registry, mnemonic, {gpr(8), kX});
    add<to_int<Fn64, Mem, 8>>(registry, mnemonic, {gpr(8), pattern_of(Mem)});
}

// CVTSI2SS/CVTSI2SD xmm, r/m32 or r/m64: the low element is replaced, the rest kept.
template <HostVR Fn, unsigned Size, bool Memory>
void from_int(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    uint64_t const value = Memory ? read_sized<Size>(cpu, linear_address(cpu, insn))
                                  : get_reg<Size>(cpu, insn.op[1].reg);
    Vec const dst = xmm(cpu, insn.op[0].reg);
    Vec result;
    simd_fp(cpu, [&](uint32_t control) {
        result = dst;
        return Fn(result, value, control);
    });
    set_xmm(cpu, insn.op[0].reg, result);
}

template <HostVR Fn32, HostVR Fn64>
void add_from_int(Registry& registry, ZydisMnemonic mnemonic) {
    add<from_int<Fn32, 4, false>>(registry, mnemonic, {kX, gpr(4)});
    add<from_int<Fn32, 4, true>>(registry, mnemonic, {kX, mem(4)});
    add<from_int<Fn64, 8, false>>(registry, mnemonic, {kX, gpr(8)});
    add<from_int<Fn64, 8, true>>(registry, mnemonic, {kX, mem(8)});
}

// The conversions with an MMX operand run as their XMM counterparts on the low 64 bits (the
// zeroed upper elements raise nothing) and enter MMX state when an MMX register is involved.
// CVTPI2PS mm/m64 -> low half of xmm (upper half kept); CVTPI2PD mm/m64 -> xmm.
template <HostVV Fn, Src S, bool KeepHigh>
void from_mmx(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    Vec src;
    if constexpr (S == Src::Mm) {
        x87::check_pending(cpu);
        src = from64(mm(cpu, insn.op[1].reg));
        enter_mmx_state(cpu);
    } else {
        src = read_m64(cpu, insn);
    }
    Vec const dst = xmm(cpu, insn.op[0].reg);
    Vec result;
    simd_fp(cpu, [&](uint32_t control) {
        result = dst;
        return Fn(result, src, control);
    });
    if constexpr (KeepHigh)
        result = _mm_unpacklo_epi64(result, _mm_unpackhi_epi64(dst, dst));
    set_xmm(cpu, insn.op[0].reg, result);
}

// CVT(T)PS2PI mm, xmm/m64 and CVT(T)PD2PI mm, xmm/m128. The source is read before MMX
// state is entered, so a fault on it leaves the x87 state alone; a SIMD exception comes after
// the transition (observed on hardware).
template <HostVV Fn, Src S, bool LowHalfOnly>
void to_mmx(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    x87::check_pending(cpu);
    Vec src = source<S>(cpu, insn);
    if constexpr (LowHalfOnly)
        src = _mm_move_epi64(src);
    enter_mmx_state(cpu);
    Vec result;
    simd_fp(cpu, [&](uint32_t control) {
        result = src;
        return Fn(result, src, control);
    });
    set_mm(cpu, insn.op[0].reg, low64(result));
}

void register_mmx_conversions(Registry& registry) {
    add<from_mmx<cvtdq2ps, Src::Mm, true>>(registry, ZYDIS_MNEMONIC_CVTPI2PS, {kX, kMm});
    add<from_mmx<cvtdq2ps, Src::M64, true>>(registry, ZYDIS_MNEMONIC_CVTPI2PS, {kX, mem(8)});
    add<from_mmx<cvtdq2pd, Src::Mm, false>>(registry, ZYDIS_MNEMONIC_CVTPI2PD, {kX, kMm});
    add<from_mmx<cvtdq2pd, Src::M64, false>>(registry, ZYDIS_MNEMONIC_CVTPI2PD, {kX, mem(8)});
    add<to_mmx<cvtps2dq, Src::Xmm, true>>(registry, ZYDIS_MNEMONIC_CVTPS2PI, {kMm, kX});
    add<to_mmx<cvtps2dq, Src::M64, true>>(registry, ZYDIS_MNEMONIC_CVTPS2PI, {kMm, mem(8)});
    add<to_mmx<cvttps2dq, Src::Xmm, true>>(registry, ZYDIS_MNEMONIC_CVTTPS2PI, {kMm, kX});
    add<to_mmx<cvttps2dq, Src::M64, true>>(registry, ZYDIS_MNEMONIC_CVTTPS2PI, {kMm, mem(8)});
    add<to_mmx<cvtpd2dq, Src::Xmm, false>>(registry, ZYDIS_MNEMONIC_CVTPD2PI, {kMm, kX});
    add<to_mmx<cvtpd2dq, Src::M128, false>>(registry, ZYDIS_MNEMONIC_CVTPD2PI, {kMm, mem(16)});
    add<to_mmx<cvttpd2dq, Src::Xmm, false>>(registry, ZYDIS_MNEMONIC_CVTTPD2PI, {kMm, kX});
    add<to_mmx<cvttpd2dq, Src::M128, false>>(registry, ZYDIS_MNEMONIC_CVTTPD2PI, {kMm, mem(16)});
}

} // namespace

void register_sse_convert(Registry& registry) {
    add_to_int<cvtss2si32, cvtss2si64, Src::M32>(registry, ZYDIS_MNEMONIC_CVTSS2SI);
    add_to_int<cvttss2si32, cvttss2si64, Src::M32>(registry, ZYDIS_MNEMONIC_CVTTSS2SI);
    add_to_int<cvtsd2si32, cvtsd2si64, Src::M64>(registry, ZYDIS_MNEMONIC_CVTSD2SI);
    add_to_int<cvttsd2si32, cvttsd2si64, Src::M64>(registry, ZYDIS_MNEMONIC_CVTTSD2SI);
    add_from_int<cvtsi2ss32, cvtsi2ss64>(registry, ZYDIS_MNEMONIC_CVTSI2SS);
    add_from_int<cvtsi2sd32, cvtsi2sd64>(registry, ZYDIS_MNEMONIC_CVTSI2SD);
    add_fp_op<cvtps2pd, Src::M64>(registry, ZYDIS_MNEMONIC_CVTPS2PD);
    add_fp_op<cvtpd2ps, Src::M128, FpShape{Rounding::Narrow, 4, 2}>(registry,
                                                                    ZYDIS_MNEMONIC_CVTPD2PS);
    add_fp_op<cvtss2sd, Src::M32>(registry, ZYDIS_MNEMONIC_CVTSS2SD);
    add_fp_op<cvtsd2ss, Src::M64, FpShape{Rounding::Narrow, 4, 1}>(registry,
                                                                   ZYDIS_MNEMONIC_CVTSD2SS);
    add_fp_op<cvtdq2ps, Src::M128>(registry, ZYDIS_MNEMONIC_CVTDQ2PS);
    add_fp_op<cvtps2dq, Src::M128>(registry, ZYDIS_MNEMONIC_CVTPS2DQ);
    add_fp_op<cvttps2dq, Src::M128>(registry, ZYDIS_MNEMONIC_CVTTPS2DQ);
    add_fp_op<cvtdq2pd, Src::M64>(registry, ZYDIS_MNEMONIC_CVTDQ2PD);
    add_fp_op<cvtpd2dq, Src::M128>(registry, ZYDIS_MNEMONIC_CVTPD2DQ);
    add_fp_op<cvttpd2dq, Src::M128>(registry, ZYDIS_MNEMONIC_CVTTPD2DQ);
    register_mmx_conversions(registry);
}

} // namespace vireo::emu::simd
