// SSE/SSE2 floating point runs on the host's own SSE unit, the same hardware the guest
// expects: each guest instruction executes as the identical host instruction under an MXCSR
// built from the guest's (rounding control, DAZ, FTZ), which makes results, NaN propagation
// ("first source" rule, QNaN/SNaN), denormal handling, indefinite values and exception flags
// bit-exact without a software float library. RCPPS/RSQRTPS approximations are those of the
// host CPU. The host runs with every exception masked; simd_fp() then decides what the
// guest's masks make of the flags (Intel SDM Vol. 1 11.5).
#pragma once

#include <cstdint>

#include <emmintrin.h>

#include "emu/sse_util.h"

namespace vireo::emu::simd {

// MXCSR (Intel SDM Vol. 1 10.2.3, Figure 10-3).
inline constexpr uint32_t kMxcsrInvalid = 1U << 0;
inline constexpr uint32_t kMxcsrDenormal = 1U << 1;
inline constexpr uint32_t kMxcsrZeroDivide = 1U << 2;
inline constexpr uint32_t kMxcsrOverflow = 1U << 3;
inline constexpr uint32_t kMxcsrUnderflow = 1U << 4;
inline constexpr uint32_t kMxcsrPrecision = 1U << 5;
inline constexpr uint32_t kMxcsrFlags = 0x3f;
inline constexpr uint32_t kMxcsrDaz = 1U << 6;
inline constexpr unsigned kMxcsrMaskShift = 7; // IM..PM are the flags shifted up by 7
inline constexpr uint32_t kMxcsrMasks = kMxcsrFlags << kMxcsrMaskShift;
inline constexpr uint32_t kMxcsrUnderflowMask = kMxcsrUnderflow << kMxcsrMaskShift;
inline constexpr uint32_t kMxcsrRounding = 3U << 13;
inline constexpr uint32_t kMxcsrFtz = 1U << 15;
// Invalid, denormal and divide-by-zero are found before computing (Intel SDM Vol. 1 11.5.2.1).
inline constexpr uint32_t kMxcsrPreComputation = kMxcsrInvalid | kMxcsrDenormal | kMxcsrZeroDivide;

// Host operation shapes. Each returns the host MXCSR after the instruction.
using HostVV = uint32_t (*)(Vec& dst, Vec src, uint32_t control);
using HostRV = uint32_t (*)(uint64_t& dst, Vec src, uint32_t control);
using HostVR = uint32_t (*)(Vec& dst, uint64_t src, uint32_t control);

// The instruction text is AT&T syntax with %[src] and %[dst] operands; %q[..]/%k[..] select
// a GPR's 64/32-bit name.
#define VIREO_SSE_HOST_ASM(text, dst_constraint, dst, src_constraint, src, ...)                    \
    uint32_t saved;                                                                                \
    asm volatile("stmxcsr %[saved]\n\t"                                                            \
                 "ldmxcsr %[ctl]\n\t" text "\n\t"                                                  \
                 "stmxcsr %[ctl]\n\t"                                                              \
                 "ldmxcsr %[saved]"                                                                \
                 : [dst] dst_constraint(dst), [ctl] "+m"(control), [saved] "=m"(saved)             \
                 : [src] src_constraint(src) __VA_ARGS__);                                         \
    return control

#define VIREO_SSE_HOST_VV(name, text)                                                              \
    inline uint32_t name(::vireo::emu::simd::Vec& dst, ::vireo::emu::simd::Vec src,                \
                         uint32_t control) {                                                       \
        VIREO_SSE_HOST_ASM(text, "+x", dst, "x", src);                                             \
    }
// With an immediate (%[imm]), e.g. the CMPPS predicate.
#define VIREO_SSE_HOST_VVI(name, text)                                                             \
    template <uint8_t Imm>                                                                         \
    inline uint32_t name(::vireo::emu::simd::Vec& dst, ::vireo::emu::simd::Vec src,                \
                         uint32_t control) {                                                       \
        VIREO_SSE_HOST_ASM(text, "+x", dst, "x", src, , [imm] "i"(Imm));                           \
    }
#define VIREO_SSE_HOST_RV(name, text)                                                              \
    inline uint32_t name(uint64_t& dst, ::vireo::emu::simd::Vec src, uint32_t control) {           \
        VIREO_SSE_HOST_ASM(text, "=r", dst, "x", src);                                             \
    }
#define VIREO_SSE_HOST_VR(name, text)                                                              \
    inline uint32_t name(::vireo::emu::simd::Vec& dst, uint64_t src, uint32_t control) {           \
        VIREO_SSE_HOST_ASM(text, "+x", dst, "r", src);                                             \
    }

// Raises the exception an unmasked SIMD floating-point exception becomes: #XM with
// CR4.OSXMMEXCPT, #UD without (Intel SDM Vol. 3A 6.15 "Interrupt 19").
[[noreturn]] inline void raise_simd_exception(Cpu const& cpu) {
    if ((cpu.cr4 & x86::kCr4Osxmmexcpt) != 0)
        raise_fault(x86::Vector::SimdError);
    raise_ud();
}

// Folds the exception `flags` an instruction raised into the guest's MXCSR. With an unmasked
// one the instruction delivers no result (Intel SDM Vol. 1 11.5.2): if an unmasked exception
// is a pre-computation one, only the pre-computation flags are set (the computation did not
// happen); otherwise every flag detected is set. Then #XM or #UD.
inline void commit_flags(Cpu& cpu, uint32_t flags) {
    uint32_t const guest = cpu.fpu.mxcsr;
    uint32_t const unmasked = flags & ~(guest >> kMxcsrMaskShift) & kMxcsrFlags;
    if (unmasked == 0) [[likely]] {
        cpu.fpu.mxcsr = guest | flags;
        return;
    }
    uint32_t const pre = flags & kMxcsrPreComputation;
    cpu.fpu.mxcsr = guest | ((pre & unmasked) != 0 ? pre : flags);
    raise_simd_exception(cpu);
}

// The host MXCSR for a guest operation: the guest's rounding, DAZ and FTZ, all exceptions
// masked. FTZ only applies while underflow is masked (Intel SDM Vol. 1 10.2.3.3).
inline uint32_t host_control(uint32_t guest) {
    uint32_t control = (guest & (kMxcsrRounding | kMxcsrDaz | kMxcsrFtz)) | kMxcsrMasks;
    if ((guest & kMxcsrUnderflowMask) == 0)
        control &= ~kMxcsrFtz;
    return control;
}

// What an arithmetic instruction rounds, for the precision flag of a trapped overflow or
// underflow (see simd_fp): the operation, the element width of the result, the lanes.
enum class Rounding : uint8_t { None, Add, Sub, Mul, Div, Sqrt, Narrow };
struct FpShape {
    Rounding op = Rounding::None;
    uint8_t element = 4; // result bytes: 4 (single) or 8 (double)
    uint8_t lanes = 1;
};

// Whether any lane of `a op b` is inexact when rounded to the result's precision with an
// unbounded exponent range, under the guest's rounding control and DAZ (exec_sse_fp.cpp).
bool inexact_unbounded(FpShape shape, Vec a, Vec b, uint32_t mxcsr);

// Runs `run(control)` (which executes one host instruction and returns the host MXCSR) and
// resolves its exceptions; returns normally only when the guest gets the result.
//
// A masked underflow is flagged only when the tiny result is also inexact, an unmasked one
// whenever the result is tiny (Intel SDM Vol. 1 11.5.2.5): with UM clear, a run under FTZ,
// which flags every tiny result, finds exact tiny ones. When an unmasked overflow or
// underflow traps, the precision flag tells whether the result is exact with an unbounded
// exponent, which is what the handler receives (IEEE 754-1985 7.3-7.4; observed: UE alone
// for 2^-1022 narrowed to single): `shape` says how to recompute that.
template <typename Run>
inline void simd_fp(Cpu& cpu, Run&& run, FpShape shape = {}, Vec a = _mm_setzero_si128(),
                    Vec b = _mm_setzero_si128()) {
    uint32_t const guest = cpu.fpu.mxcsr;
    uint32_t const control = host_control(guest);
    uint32_t flags = run(control) & kMxcsrFlags;
    if ((guest & kMxcsrUnderflowMask) == 0 && (flags & kMxcsrUnderflow) == 0) [[unlikely]]
        flags |= run(control | kMxcsrFtz) & kMxcsrUnderflow;
    uint32_t const unmasked = flags & ~(guest >> kMxcsrMaskShift);
    uint32_t constexpr kTrapped = kMxcsrOverflow | kMxcsrUnderflow;
    if ((unmasked & kTrapped) != 0 && shape.op != Rounding::None) [[unlikely]]
        flags = (flags & ~kMxcsrPrecision) |
                (inexact_unbounded(shape, a, b, guest) ? kMxcsrPrecision : 0);
    commit_flags(cpu, flags);
}

// dst = dst op src, element-wise or on the low element, e.g. ADDPS, SQRTSD, CVTPS2PD.
template <HostVV Fn, Src S, FpShape Shape = FpShape{}>
void fp_op(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    Vec const src = source<S>(cpu, insn);
    Vec const dst = xmm(cpu, insn.op[0].reg);
    Vec result;
    simd_fp(
        cpu,
        [&](uint32_t control) {
            result = dst;
            return Fn(result, src, control);
        },
        Shape, dst, src);
    set_xmm(cpu, insn.op[0].reg, result);
}

// Registers fp_op for "xmm, xmm" and "xmm, Mem".
template <HostVV Fn, Src Mem, FpShape Shape = FpShape{}>
void add_fp_op(Registry& registry, ZydisMnemonic mnemonic) {
    add<fp_op<Fn, Src::Xmm, Shape>>(registry, mnemonic, {kX, kX});
    add<fp_op<Fn, Mem, Shape>>(registry, mnemonic, {kX, pattern_of(Mem)});
}

} // namespace vireo::emu::simd
