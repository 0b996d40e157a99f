// SSE/SSE2 floating-point arithmetic and comparisons: ADD/SUB/MUL/DIV/MIN/MAX/SQRT ps/ss/pd/sd,
// RCP/RSQRT ps/ss, CMPps/ss/pd/sd with all eight predicates, COMISS/UCOMISS/COMISD/UCOMISD.
// Each runs as the same host instruction (sse_host.h).
#include <cmath>
#include <cstring>

#include "emu/sse_host.h"
#include "emu/x87_host.h"

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

// The x87 unit rounds to 24 or 53 bits under its precision control but keeps a 15-bit
// exponent, so it computes single and double results with an unbounded exponent range.
VIREO_X87_HOST(x87_add, "fadd %%st(1), %%st")
VIREO_X87_HOST(x87_sub, "fsub %%st(1), %%st")
VIREO_X87_HOST(x87_mul, "fmul %%st(1), %%st")
VIREO_X87_HOST(x87_div, "fdiv %%st(1), %%st")
VIREO_X87_HOST(x87_sqrt, "fsqrt")

// Lane i of `v` as an 80-bit value; DAZ reads denormals as zeros of the same sign.
x87::F80 lane(Vec v, unsigned i, unsigned element, bool daz) {
    alignas(16) uint8_t bytes[16];
    _mm_store_si128(reinterpret_cast<Vec*>(bytes), v);
    long double value = 0;
    if (element == 4) {
        float f;
        std::memcpy(&f, bytes + 4 * i, 4);
        value = daz && std::fpclassify(f) == FP_SUBNORMAL ? std::copysign(0.0f, f) : f;
    } else {
        double d;
        std::memcpy(&d, bytes + 8 * i, 8);
        value = daz && std::fpclassify(d) == FP_SUBNORMAL ? std::copysign(0.0, d) : d;
    }
    x87::F80 out;
    std::memcpy(&out, &value, sizeof(out));
    return out;
}

// FCW precision control (Intel SDM Vol. 1 8.1.5.2): 00 single, 10 double; rounding control
// has MXCSR's encoding (10.2.3), two bits higher up.
constexpr uint16_t kPrecisionSingle = 0 << 8;
constexpr uint16_t kPrecisionDouble = 2 << 8;
constexpr unsigned kMxcsrRoundingShift = 13;
constexpr unsigned kFcwRoundingShift = 10;

} // namespace

bool inexact_unbounded(FpShape shape, Vec a, Vec b, uint32_t mxcsr) {
    bool const daz = (mxcsr & kMxcsrDaz) != 0;
    auto const control = static_cast<uint16_t>(
        x87::kExceptions | (shape.element == 4 ? kPrecisionSingle : kPrecisionDouble) |
        ((mxcsr >> kMxcsrRoundingShift) & 3) << kFcwRoundingShift);
    static constexpr long double kOne = 1.0L;
    for (unsigned i = 0; i < shape.lanes; ++i) {
        x87::HostOp op;
        op.control = control;
        x87::HostFn fn = x87_mul;
        switch (shape.op) {
        case Rounding::Add:
            fn = x87_add;
            break;
        case Rounding::Sub:
            fn = x87_sub;
            break;
        case Rounding::Div:
            fn = x87_div;
            break;
        default:
            break;
        }
        if (shape.op == Rounding::Sqrt) {
            fn = x87_sqrt;
            op.a = lane(b, i, shape.element, daz);
        } else if (shape.op == Rounding::Narrow) {
            op.a = lane(b, i, 8, daz); // double to single: times 1.0, rounded to 24 bits
            std::memcpy(&op.b, &kOne, sizeof(op.b));
        } else {
            op.a = lane(a, i, shape.element, daz);
            op.b = lane(b, i, shape.element, daz);
        }
        fn(op);
        if ((op.status & x87::kPrecision) != 0)
            return true;
    }
    return false;
}

namespace {

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

// The packed and scalar, single and double forms of one operation.
template <HostVV Ps, HostVV Ss, HostVV Pd, HostVV Sd, Rounding R>
void add_four(Registry& registry, ZydisMnemonic ps, ZydisMnemonic ss, ZydisMnemonic pd,
              ZydisMnemonic sd) {
    add_fp_op<Ps, Src::M128, FpShape{R, 4, 4}>(registry, ps);
    add_fp_op<Ss, Src::M32, FpShape{R, 4, 1}>(registry, ss);
    add_fp_op<Pd, Src::M128, FpShape{R, 8, 2}>(registry, pd);
    add_fp_op<Sd, Src::M64, FpShape{R, 8, 1}>(registry, sd);
}

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
    add_four<addps, addss, addpd, addsd, Rounding::Add>(registry, ZYDIS_MNEMONIC_ADDPS,
                                                        ZYDIS_MNEMONIC_ADDSS, ZYDIS_MNEMONIC_ADDPD,
                                                        ZYDIS_MNEMONIC_ADDSD);
    add_four<subps, subss, subpd, subsd, Rounding::Sub>(registry, ZYDIS_MNEMONIC_SUBPS,
                                                        ZYDIS_MNEMONIC_SUBSS, ZYDIS_MNEMONIC_SUBPD,
                                                        ZYDIS_MNEMONIC_SUBSD);
    add_four<mulps, mulss, mulpd, mulsd, Rounding::Mul>(registry, ZYDIS_MNEMONIC_MULPS,
                                                        ZYDIS_MNEMONIC_MULSS, ZYDIS_MNEMONIC_MULPD,
                                                        ZYDIS_MNEMONIC_MULSD);
    add_four<divps, divss, divpd, divsd, Rounding::Div>(registry, ZYDIS_MNEMONIC_DIVPS,
                                                        ZYDIS_MNEMONIC_DIVSS, ZYDIS_MNEMONIC_DIVPD,
                                                        ZYDIS_MNEMONIC_DIVSD);
    add_four<minps, minss, minpd, minsd, Rounding::None>(registry, ZYDIS_MNEMONIC_MINPS,
                                                         ZYDIS_MNEMONIC_MINSS, ZYDIS_MNEMONIC_MINPD,
                                                         ZYDIS_MNEMONIC_MINSD);
    add_four<maxps, maxss, maxpd, maxsd, Rounding::None>(registry, ZYDIS_MNEMONIC_MAXPS,
                                                         ZYDIS_MNEMONIC_MAXSS, ZYDIS_MNEMONIC_MAXPD,
                                                         ZYDIS_MNEMONIC_MAXSD);
    add_four<sqrtps, sqrtss, sqrtpd, sqrtsd, Rounding::Sqrt>(
        registry, ZYDIS_MNEMONIC_SQRTPS, ZYDIS_MNEMONIC_SQRTSS, ZYDIS_MNEMONIC_SQRTPD,
        ZYDIS_MNEMONIC_SQRTSD);
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
