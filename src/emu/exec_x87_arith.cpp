// x87 arithmetic: FADD/FSUB/FSUBR/FMUL/FDIV/FDIVR in all forms (ST(0) with ST(i), ST(i) with
// ST(0), the popping forms, m32fp/m64fp and m16int/m32int), FCHS, FABS, FSQRT, FRNDINT,
// FSCALE, FXTRACT, FPREM, FPREM1 and the transcendental F2XM1, FYL2X, FYL2XP1, FSIN, FCOS,
// FSINCOS, FPTAN, FPATAN. Every computation runs on the host FPU (x87_host.h).
#include "emu/operands.h"
#include "emu/x87_host.h"

namespace vireo::emu::x87 {

namespace {

// The host instruction computes ST(0) = ST(0) op ST(1), or ST(0) op the memory operand.
#define VIREO_X87_ARITH(op)                                                                        \
    VIREO_X87_HOST(host_##op, "f" #op " %%st(1), %%st")                                            \
    VIREO_X87_HOST(host_##op##_m32, "f" #op "s %[m]")                                              \
    VIREO_X87_HOST(host_##op##_m64, "f" #op "l %[m]")                                              \
    VIREO_X87_HOST(host_##op##_i16, "fi" #op "s %[m]")                                             \
    VIREO_X87_HOST(host_##op##_i32, "fi" #op "l %[m]")
VIREO_X87_ARITH(add)
VIREO_X87_ARITH(sub)
VIREO_X87_ARITH(subr)
VIREO_X87_ARITH(mul)
VIREO_X87_ARITH(div)
VIREO_X87_ARITH(divr)
#undef VIREO_X87_ARITH
VIREO_X87_HOST(host_sqrt, "fsqrt")
VIREO_X87_HOST(host_rndint, "frndint")
VIREO_X87_HOST(host_f2xm1, "f2xm1")
VIREO_X87_HOST(host_sin, "fsin")
VIREO_X87_HOST(host_cos, "fcos")
VIREO_X87_HOST(host_scale, "fscale")
// FPREM/FPREM1 leave C0, C1 and C3 alone for some operands (NaNs, infinities).
VIREO_X87_HOST_WITH_CONDITIONS(host_prem, "fprem")
VIREO_X87_HOST_WITH_CONDITIONS(host_prem1, "fprem1")
VIREO_X87_HOST(host_patan, "fpatan")
VIREO_X87_HOST(host_yl2x, "fyl2x")
VIREO_X87_HOST(host_yl2xp1, "fyl2xp1")
VIREO_X87_HOST(host_xtract, "fxtract")
VIREO_X87_HOST(host_ptan, "fptan")
VIREO_X87_HOST(host_sincos, "fsincos")

HostOp run(HostFn fn, Cpu const& cpu, F80 a, F80 b = {}) {
    HostOp op = host_op(cpu);
    op.a = a;
    op.b = b;
    fn(op);
    return op;
}

// F<op> ST(0), ST(i) / ST(i), ST(0) / F<op>P ST(i), ST(0): destination op[0], source op[1].
// C1 is the round-up indicator (Intel SDM Vol. 1 8.1.3.1).
template <HostFn Fn, bool Pop>
void arith_register(Cpu& cpu, Insn const& insn) {
    begin(cpu, insn);
    unsigned const dst = insn.op[0].reg;
    unsigned const src = insn.op[1].reg;
    if (is_empty(cpu, dst) || is_empty(cpu, src)) {
        if (!stack_underflow(cpu))
            return;
        put(cpu, dst, kIndefinite);
    } else {
        HostOp const op = run(Fn, cpu, get(cpu, dst), get(cpu, src));
        if (!complete(cpu, op.status, kC1))
            return;
        put(cpu, dst, op.st0);
    }
    if (Pop)
        pop(cpu);
}

// F<op> m32fp/m64fp and FI<op> m16int/m32int on ST(0).
template <HostFn Fn, unsigned Size>
void arith_memory(Cpu& cpu, Insn const& insn) {
    begin(cpu, insn);
    cpu.fpu.fdp = effective_address(cpu, insn);
    uint64_t const value = read_sized<Size>(cpu, linear_address(cpu, insn));
    if (is_empty(cpu, 0)) {
        if (stack_underflow(cpu))
            put(cpu, 0, kIndefinite);
        return;
    }
    HostOp op = host_op(cpu);
    op.a = get(cpu, 0);
    std::memcpy(op.memory.bytes, &value, Size);
    Fn(op);
    if (complete(cpu, op.status, kC1))
        put(cpu, 0, op.st0);
}

// Stack faults of FSIN, FCOS, FPTAN, FSINCOS, FPREM and FPREM1 also clear C2, their "operand
// out of range" or "incomplete" flag (observed on hardware).
enum class Range : uint8_t { Unchecked, Checked };
template <Range R>
bool underflow(Cpu& cpu) {
    if (R == Range::Checked)
        set_condition(cpu, kC2, 0);
    return stack_underflow(cpu);
}

// ST(0) = f(ST(0)). FSIN/FCOS out of range (C2) leave ST(0) as it was, which the host
// reports as the result.
template <HostFn Fn, Range R = Range::Unchecked>
void unary(Cpu& cpu, Insn const& insn) {
    begin(cpu, insn);
    if (is_empty(cpu, 0)) {
        if (underflow<R>(cpu))
            put(cpu, 0, kIndefinite);
        return;
    }
    HostOp const op = run(Fn, cpu, get(cpu, 0));
    if (complete(cpu, op.status, R == Range::Checked ? kC1 | kC2 : kC1))
        put(cpu, 0, op.st0);
}

// FCHS/FABS only touch the sign, raise nothing (not even for SNaNs) and clear C1.
template <bool Abs>
void sign(Cpu& cpu, Insn const& insn) {
    begin(cpu, insn);
    if (is_empty(cpu, 0)) {
        if (stack_underflow(cpu))
            put(cpu, 0, kIndefinite);
        return;
    }
    F80 value = get(cpu, 0);
    value.sign_exponent =
        Abs ? value.sign_exponent & kExponentMask : value.sign_exponent ^ kSignBit;
    set_condition(cpu, kC1, 0);
    put(cpu, 0, value);
}

// FSCALE, FPREM, FPREM1: ST(0) = f(ST(0), ST(1)). FPREM(1) report quotient bits in C0, C3, C1
// and an incomplete reduction in C2.
template <HostFn Fn, Range R = Range::Unchecked>
void binary_st0(Cpu& cpu, Insn const& insn) {
    begin(cpu, insn);
    if (is_empty(cpu, 0) || is_empty(cpu, 1)) {
        if (underflow<R>(cpu))
            put(cpu, 0, kIndefinite);
        return;
    }
    HostOp const op = run(Fn, cpu, get(cpu, 0), get(cpu, 1));
    if (complete(cpu, op.status, R == Range::Checked ? kConditions : kC1))
        put(cpu, 0, op.st0);
}

// FPATAN, FYL2X, FYL2XP1: ST(1) = f(ST(1), ST(0)), then pop.
template <HostFn Fn>
void binary_pop(Cpu& cpu, Insn const& insn) {
    begin(cpu, insn);
    F80 result = kIndefinite;
    if (is_empty(cpu, 0) || is_empty(cpu, 1)) {
        if (!stack_underflow(cpu))
            return;
    } else {
        HostOp const op = run(Fn, cpu, get(cpu, 0), get(cpu, 1));
        if (!complete(cpu, op.status, kC1))
            return;
        result = op.st0;
    }
    put(cpu, 1, result);
    pop(cpu);
}

// FXTRACT, FPTAN, FSINCOS replace ST(0) and push a second result: the host leaves the new
// ST(0) in st0 and the replaced value in st1. FPTAN/FSINCOS out of range (C2) change nothing.
template <HostFn Fn, Range R>
void two_results(Cpu& cpu, Insn const& insn) {
    begin(cpu, insn);
    bool const empty = is_empty(cpu, 0);
    if (empty || !is_empty(cpu, 7)) {
        if (R == Range::Checked)
            set_condition(cpu, kC2, 0);
        if (!(empty ? stack_underflow(cpu) : stack_overflow(cpu)))
            return;
        put(cpu, 0, kIndefinite);
        push(cpu, kIndefinite);
        return;
    }
    HostOp const op = run(Fn, cpu, get(cpu, 0));
    uint16_t const conditions = R == Range::Checked ? kC1 | kC2 : kC1;
    if (!complete(cpu, op.status, conditions) || (R == Range::Checked && (op.status & kC2) != 0))
        return;
    put(cpu, 0, op.st1);
    push(cpu, op.st0);
}

constexpr OperandDesc kSt = operand_desc(OpKind::X87, 10);

template <HostFn Reg, HostFn M32, HostFn M64, HostFn I16, HostFn I32>
void add_arith(Registry& registry, ZydisMnemonic plain, ZydisMnemonic popping,
               ZydisMnemonic integer) {
    registry.add<arith_register<Reg, false>>(plain, make_form({kSt, kSt}));
    registry.add<arith_register<Reg, true>>(popping, make_form({kSt, kSt}));
    registry.add<arith_memory<M32, 4>>(plain, make_form({M(4)}));
    registry.add<arith_memory<M64, 8>>(plain, make_form({M(8)}));
    registry.add<arith_memory<I16, 2>>(integer, make_form({M(2)}));
    registry.add<arith_memory<I32, 4>>(integer, make_form({M(4)}));
}

} // namespace

void register_x87_arith(Registry& registry) {
    add_arith<host_add, host_add_m32, host_add_m64, host_add_i16, host_add_i32>(
        registry, ZYDIS_MNEMONIC_FADD, ZYDIS_MNEMONIC_FADDP, ZYDIS_MNEMONIC_FIADD);
    add_arith<host_sub, host_sub_m32, host_sub_m64, host_sub_i16, host_sub_i32>(
        registry, ZYDIS_MNEMONIC_FSUB, ZYDIS_MNEMONIC_FSUBP, ZYDIS_MNEMONIC_FISUB);
    add_arith<host_subr, host_subr_m32, host_subr_m64, host_subr_i16, host_subr_i32>(
        registry, ZYDIS_MNEMONIC_FSUBR, ZYDIS_MNEMONIC_FSUBRP, ZYDIS_MNEMONIC_FISUBR);
    add_arith<host_mul, host_mul_m32, host_mul_m64, host_mul_i16, host_mul_i32>(
        registry, ZYDIS_MNEMONIC_FMUL, ZYDIS_MNEMONIC_FMULP, ZYDIS_MNEMONIC_FIMUL);
    add_arith<host_div, host_div_m32, host_div_m64, host_div_i16, host_div_i32>(
        registry, ZYDIS_MNEMONIC_FDIV, ZYDIS_MNEMONIC_FDIVP, ZYDIS_MNEMONIC_FIDIV);
    add_arith<host_divr, host_divr_m32, host_divr_m64, host_divr_i16, host_divr_i32>(
        registry, ZYDIS_MNEMONIC_FDIVR, ZYDIS_MNEMONIC_FDIVRP, ZYDIS_MNEMONIC_FIDIVR);
    registry.add<sign<false>>(ZYDIS_MNEMONIC_FCHS, make_form({}));
    registry.add<sign<true>>(ZYDIS_MNEMONIC_FABS, make_form({}));
    registry.add<unary<host_sqrt>>(ZYDIS_MNEMONIC_FSQRT, make_form({}));
    registry.add<unary<host_rndint>>(ZYDIS_MNEMONIC_FRNDINT, make_form({}));
    registry.add<unary<host_f2xm1>>(ZYDIS_MNEMONIC_F2XM1, make_form({}));
    registry.add<unary<host_sin, Range::Checked>>(ZYDIS_MNEMONIC_FSIN, make_form({}));
    registry.add<unary<host_cos, Range::Checked>>(ZYDIS_MNEMONIC_FCOS, make_form({}));
    registry.add<binary_st0<host_scale>>(ZYDIS_MNEMONIC_FSCALE, make_form({}));
    registry.add<binary_st0<host_prem, Range::Checked>>(ZYDIS_MNEMONIC_FPREM, make_form({}));
    registry.add<binary_st0<host_prem1, Range::Checked>>(ZYDIS_MNEMONIC_FPREM1, make_form({}));
    registry.add<binary_pop<host_patan>>(ZYDIS_MNEMONIC_FPATAN, make_form({}));
    registry.add<binary_pop<host_yl2x>>(ZYDIS_MNEMONIC_FYL2X, make_form({}));
    registry.add<binary_pop<host_yl2xp1>>(ZYDIS_MNEMONIC_FYL2XP1, make_form({}));
    registry.add<two_results<host_xtract, Range::Unchecked>>(ZYDIS_MNEMONIC_FXTRACT, make_form({}));
    registry.add<two_results<host_ptan, Range::Checked>>(ZYDIS_MNEMONIC_FPTAN, make_form({}));
    registry.add<two_results<host_sincos, Range::Checked>>(ZYDIS_MNEMONIC_FSINCOS, make_form({}));
}

} // namespace vireo::emu::x87
