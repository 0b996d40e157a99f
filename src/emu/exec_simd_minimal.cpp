// A stop-gap SSE2 subset, enough for Debian's static busybox (glibc's SSE2 string functions
// and a little scalar double arithmetic) until the full x87/MMX/SSE files land: moves,
// packed-integer logic, compare, add/sub, shuffles and shifts on XMM registers, and scalar
// single/double arithmetic and conversions. MMX forms and packed floating point are not here.
// The full implementation registers after this file and replaces these handlers.
#include <cmath>
#include <cstring>

#include "emu/handlers.h"
#include "emu/operands.h"

namespace vireo::emu {

namespace {

using Bytes = std::array<uint8_t, 16>;

void check_sse(Cpu const& cpu) {
    // Intel SDM Vol. 3A 13.1: SSE needs CR4.OSFXSR and CR0.EM clear; CR0.TS gives #NM.
    if ((cpu.cr0 & x86::kCr0Em) != 0 || (cpu.cr4 & x86::kCr4Osfxsr) == 0)
        raise_ud();
    if ((cpu.cr0 & x86::kCr0Ts) != 0)
        raise_fault(x86::Vector::DeviceNotAvailable);
}

Bytes xmm(Cpu const& cpu, unsigned reg) {
    Bytes b;
    std::memcpy(b.data(), &cpu.fpu.xmm[reg], 16);
    return b;
}
void set_xmm(Cpu& cpu, unsigned reg, Bytes const& b) {
    std::memcpy(&cpu.fpu.xmm[reg], b.data(), 16);
}

// Reads operand n as 16 bytes: an XMM register, or `size` bytes of memory zero-extended.
// 16-byte memory operands of aligned forms must be 16-byte aligned (#GP otherwise).
Bytes source(Cpu& cpu, Insn const& insn, unsigned n, unsigned size = 16, bool aligned = false) {
    Operand const& op = insn.op[n];
    if (op.kind == OpKind::Xmm)
        return xmm(cpu, op.reg);
    if (op.kind == OpKind::Gpr) {
        Bytes b{};
        uint64_t const value = get_reg_n(cpu, op.reg, op.size);
        std::memcpy(b.data(), &value, op.size);
        return b;
    }
    uint64_t const linear = linear_address(cpu, insn);
    if (aligned && (linear & 15) != 0)
        raise_gp(0);
    Bytes b{};
    uint64_t low = 0;
    if (size >= 8) {
        low = read_mem<uint64_t>(cpu, linear);
        std::memcpy(b.data(), &low, 8);
    } else {
        low = read_mem_n(cpu, linear, size);
        std::memcpy(b.data(), &low, size);
    }
    if (size == 16) {
        uint64_t const high = read_mem<uint64_t>(cpu, linear + 8);
        std::memcpy(b.data() + 8, &high, 8);
    }
    return b;
}

void store(Cpu& cpu, Insn const& insn, unsigned n, Bytes const& b, unsigned size = 16,
           bool aligned = false) {
    Operand const& op = insn.op[n];
    if (op.kind == OpKind::Xmm)
        return set_xmm(cpu, op.reg, b);
    if (op.kind == OpKind::Gpr) {
        uint64_t value = 0;
        std::memcpy(&value, b.data(), op.size);
        return set_reg_n(cpu, op.reg, op.size, value);
    }
    uint64_t const linear = linear_address(cpu, insn);
    if (aligned && (linear & 15) != 0)
        raise_gp(0);
    uint64_t low = 0;
    std::memcpy(&low, b.data(), 8);
    if (size == 16) {
        uint64_t high = 0;
        std::memcpy(&high, b.data() + 8, 8);
        (void)read_mem<uint8_t>(cpu, linear + 15); // both halves writable before either
        write_mem<uint64_t>(cpu, linear, low);
        write_mem<uint64_t>(cpu, linear + 8, high);
    } else {
        write_mem_n(cpu, linear, size, low);
    }
}

// Whole-register moves: MOVDQA/MOVAPS/MOVAPD (aligned) and MOVDQU/MOVUPS/MOVUPD.
template <bool Aligned>
void move128(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    store(cpu, insn, 0, source(cpu, insn, 1, 16, Aligned), 16, Aligned);
}

// MOVD/MOVQ between XMM and GPR/memory, and MOVQ xmm, xmm/m64 (which zeroes the upper half).
void movd_movq(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    unsigned const size = insn.op[0].kind == OpKind::Xmm ? insn.op[1].size : insn.op[0].size;
    unsigned const width = size == 16 ? 8 : size;
    if (insn.op[0].kind == OpKind::Xmm) {
        Bytes b = source(cpu, insn, 1, width);
        std::memset(b.data() + width, 0, 16 - width);
        set_xmm(cpu, insn.op[0].reg, b);
    } else {
        store(cpu, insn, 0, xmm(cpu, insn.op[1].reg), width);
    }
}

// MOVSS/MOVSD (scalar): from memory zero the rest; between registers merge the low element.
template <unsigned Size>
void move_scalar(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    if (insn.op[0].kind == OpKind::Xmm) {
        Bytes b = insn.op[1].kind == OpKind::Xmm ? xmm(cpu, insn.op[0].reg) : Bytes{};
        Bytes const s = source(cpu, insn, 1, Size);
        std::memcpy(b.data(), s.data(), Size);
        set_xmm(cpu, insn.op[0].reg, b);
    } else {
        store(cpu, insn, 0, xmm(cpu, insn.op[1].reg), Size);
    }
}

// MOVLPS/MOVLPD/MOVHPS/MOVHPD: one 8-byte half between XMM and memory; MOVHLPS/MOVLHPS.
template <unsigned Half>
void move_half(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    if (insn.op[0].kind == OpKind::Xmm) {
        Bytes b = xmm(cpu, insn.op[0].reg);
        Bytes const s = source(cpu, insn, 1, 8);
        std::memcpy(b.data() + Half * 8, s.data(), 8);
        set_xmm(cpu, insn.op[0].reg, b);
    } else {
        Bytes const s = xmm(cpu, insn.op[1].reg);
        Bytes b{};
        std::memcpy(b.data(), s.data() + Half * 8, 8);
        store(cpu, insn, 0, b, 8);
    }
}
void movhlps(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    Bytes b = xmm(cpu, insn.op[0].reg);
    Bytes const s = xmm(cpu, insn.op[1].reg);
    std::memcpy(b.data(), s.data() + 8, 8);
    set_xmm(cpu, insn.op[0].reg, b);
}
void movlhps(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    Bytes b = xmm(cpu, insn.op[0].reg);
    Bytes const s = xmm(cpu, insn.op[1].reg);
    std::memcpy(b.data() + 8, s.data(), 8);
    set_xmm(cpu, insn.op[0].reg, b);
}

// Element-wise binary operations on packed integers of type T.
template <typename T, typename Fn>
Bytes elementwise(Bytes const& a, Bytes const& b, Fn fn) {
    T x[16 / sizeof(T)], y[16 / sizeof(T)];
    std::memcpy(x, a.data(), 16);
    std::memcpy(y, b.data(), 16);
    for (unsigned i = 0; i < 16 / sizeof(T); ++i)
        x[i] = static_cast<T>(fn(x[i], y[i]));
    Bytes r;
    std::memcpy(r.data(), x, 16);
    return r;
}

template <typename T, typename Fn>
void packed(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    Bytes const b = source(cpu, insn, 1, 16, true);
    set_xmm(cpu, insn.op[0].reg, elementwise<T>(xmm(cpu, insn.op[0].reg), b, Fn{}));
}

struct Xor {
    uint64_t operator()(uint64_t a, uint64_t b) const { return a ^ b; }
};
struct Or {
    uint64_t operator()(uint64_t a, uint64_t b) const { return a | b; }
};
struct And {
    uint64_t operator()(uint64_t a, uint64_t b) const { return a & b; }
};
struct AndNot {
    uint64_t operator()(uint64_t a, uint64_t b) const { return ~a & b; }
};
struct Add {
    uint64_t operator()(uint64_t a, uint64_t b) const { return a + b; }
};
struct Sub {
    uint64_t operator()(uint64_t a, uint64_t b) const { return a - b; }
};
struct Eq {
    template <typename T>
    T operator()(T a, T b) const {
        return a == b ? static_cast<T>(~T{0}) : T{0};
    }
};
struct GtSigned {
    template <typename T>
    T operator()(T a, T b) const {
        using S = std::make_signed_t<T>;
        return static_cast<S>(a) > static_cast<S>(b) ? static_cast<T>(~T{0}) : T{0};
    }
};
struct Min {
    template <typename T>
    T operator()(T a, T b) const {
        return a < b ? a : b;
    }
};
struct Max {
    template <typename T>
    T operator()(T a, T b) const {
        return a > b ? a : b;
    }
};

void pmovmskb(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    Bytes const b = xmm(cpu, insn.op[1].reg);
    uint64_t mask = 0;
    for (unsigned i = 0; i < 16; ++i)
        mask |= static_cast<uint64_t>(b[i] >> 7) << i;
    set_reg_n(cpu, insn.op[0].reg, insn.op[0].size, mask);
}

// Whole-register byte shifts PSLLDQ/PSRLDQ.
template <bool Left>
void byte_shift(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    Bytes const a = xmm(cpu, insn.op[0].reg);
    unsigned const count = static_cast<unsigned>(insn.imm & 0xff);
    Bytes r{};
    for (unsigned i = 0; i < 16; ++i) {
        int const from =
            Left ? static_cast<int>(i) - static_cast<int>(count) : static_cast<int>(i + count);
        if (from >= 0 && from < 16)
            r[i] = a[static_cast<unsigned>(from)];
    }
    set_xmm(cpu, insn.op[0].reg, r);
}

// Element shifts by an immediate or by the low quadword of an XMM/m128 (PSLLx/PSRLx/PSRAx).
enum class ShiftKind { Left, Right, Arithmetic };
template <typename T, ShiftKind K>
void element_shift(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    uint64_t count = insn.imm & 0xff;
    if (insn.op[1].kind != OpKind::Imm) {
        Bytes const c = source(cpu, insn, 1, 16, true);
        std::memcpy(&count, c.data(), 8);
    }
    constexpr unsigned bits = sizeof(T) * 8;
    T x[16 / sizeof(T)];
    Bytes a = xmm(cpu, insn.op[0].reg);
    std::memcpy(x, a.data(), 16);
    for (T& e : x) {
        if constexpr (K == ShiftKind::Arithmetic) {
            using S = std::make_signed_t<T>;
            e = static_cast<T>(static_cast<S>(e) >> (count >= bits ? bits - 1 : count));
        } else if (count >= bits) {
            e = 0;
        } else {
            e = static_cast<T>(K == ShiftKind::Left ? e << count : e >> count);
        }
    }
    std::memcpy(a.data(), x, 16);
    set_xmm(cpu, insn.op[0].reg, a);
}

// PSHUFD/PSHUFLW/PSHUFHW/SHUFPS/SHUFPD.
void pshufd(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    Bytes const s = source(cpu, insn, 1, 16, true);
    uint32_t in[4], out[4];
    std::memcpy(in, s.data(), 16);
    for (unsigned i = 0; i < 4; ++i)
        out[i] = in[(insn.imm >> (2 * i)) & 3];
    Bytes r;
    std::memcpy(r.data(), out, 16);
    set_xmm(cpu, insn.op[0].reg, r);
}
template <unsigned Half>
void pshufw(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    Bytes const s = source(cpu, insn, 1, 16, true);
    uint16_t in[8], out[8];
    std::memcpy(in, s.data(), 16);
    std::memcpy(out, in, 16);
    for (unsigned i = 0; i < 4; ++i)
        out[Half * 4 + i] = in[Half * 4 + ((insn.imm >> (2 * i)) & 3)];
    Bytes r;
    std::memcpy(r.data(), out, 16);
    set_xmm(cpu, insn.op[0].reg, r);
}
void shufps(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    Bytes const d = xmm(cpu, insn.op[0].reg);
    Bytes const s = source(cpu, insn, 1, 16, true);
    uint32_t a[4], b[4], out[4];
    std::memcpy(a, d.data(), 16);
    std::memcpy(b, s.data(), 16);
    out[0] = a[insn.imm & 3];
    out[1] = a[(insn.imm >> 2) & 3];
    out[2] = b[(insn.imm >> 4) & 3];
    out[3] = b[(insn.imm >> 6) & 3];
    Bytes r;
    std::memcpy(r.data(), out, 16);
    set_xmm(cpu, insn.op[0].reg, r);
}
void shufpd(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    Bytes const d = xmm(cpu, insn.op[0].reg);
    Bytes const s = source(cpu, insn, 1, 16, true);
    Bytes r;
    std::memcpy(r.data(), d.data() + ((insn.imm & 1) != 0 ? 8 : 0), 8);
    std::memcpy(r.data() + 8, s.data() + ((insn.imm & 2) != 0 ? 8 : 0), 8);
    set_xmm(cpu, insn.op[0].reg, r);
}

// PUNPCKL*/PUNPCKH* and UNPCKLPS/PD, UNPCKHPS/PD: interleave elements of size E from the
// low (High = false) or high halves.
template <unsigned E, bool High>
void unpack(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    Bytes const a = xmm(cpu, insn.op[0].reg);
    Bytes const b = source(cpu, insn, 1, 16, true);
    Bytes r;
    unsigned const base = High ? 8 : 0;
    for (unsigned i = 0; i < 8 / E; ++i) {
        std::memcpy(r.data() + 2 * i * E, a.data() + base + i * E, E);
        std::memcpy(r.data() + (2 * i + 1) * E, b.data() + base + i * E, E);
    }
    set_xmm(cpu, insn.op[0].reg, r);
}

void pextrw(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    Bytes const s = xmm(cpu, insn.op[1].reg);
    uint16_t word = 0;
    std::memcpy(&word, s.data() + (insn.imm & 7) * 2, 2);
    set_reg_n(cpu, insn.op[0].reg, insn.op[0].size, word);
}
void pinsrw(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    uint64_t const value = read_operand(cpu, insn, 1);
    Bytes r = xmm(cpu, insn.op[0].reg);
    auto const word = static_cast<uint16_t>(value);
    std::memcpy(r.data() + (insn.imm & 7) * 2, &word, 2);
    set_xmm(cpu, insn.op[0].reg, r);
}

// Scalar floating point on the low element (float or double).
template <typename F, typename Fn>
void scalar(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    Bytes r = xmm(cpu, insn.op[0].reg);
    Bytes const s = source(cpu, insn, 1, sizeof(F));
    F a, b;
    std::memcpy(&a, r.data(), sizeof(F));
    std::memcpy(&b, s.data(), sizeof(F));
    F const result = Fn{}(a, b);
    std::memcpy(r.data(), &result, sizeof(F));
    set_xmm(cpu, insn.op[0].reg, r);
}
struct FAdd {
    template <typename F>
    F operator()(F a, F b) const {
        return a + b;
    }
};
struct FSub {
    template <typename F>
    F operator()(F a, F b) const {
        return a - b;
    }
};
struct FMul {
    template <typename F>
    F operator()(F a, F b) const {
        return a * b;
    }
};
struct FDiv {
    template <typename F>
    F operator()(F a, F b) const {
        return a / b;
    }
};
// MINSD/MAXSD return the second operand when either is NaN or both are zero.
struct FMin {
    template <typename F>
    F operator()(F a, F b) const {
        return a < b ? a : b;
    }
};
struct FMax {
    template <typename F>
    F operator()(F a, F b) const {
        return a > b ? a : b;
    }
};
struct FSqrt {
    template <typename F>
    F operator()(F, F b) const {
        return std::sqrt(b);
    }
};

// UCOMISx/COMISx: ZF, PF, CF as an unordered compare sets them; OF, SF, AF cleared.
template <typename F>
void compare_scalar(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    Bytes const x = xmm(cpu, insn.op[0].reg);
    Bytes const s = source(cpu, insn, 1, sizeof(F));
    F a, b;
    std::memcpy(&a, x.data(), sizeof(F));
    std::memcpy(&b, s.data(), sizeof(F));
    uint64_t flags = 0;
    if (std::isnan(a) || std::isnan(b))
        flags = x86::kFlagZf | x86::kFlagPf | x86::kFlagCf;
    else if (a < b)
        flags = x86::kFlagCf;
    else if (a == b)
        flags = x86::kFlagZf;
    cpu.flags.set_arith(kArithFlags, flags);
}

// CVTSI2SD/CVTSI2SS from a 32- or 64-bit integer.
template <typename F>
void int_to_float(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    unsigned const size = insn.op[1].size;
    uint64_t const raw = read_operand(cpu, insn, 1);
    F const value = static_cast<F>(sign_extend(raw, size));
    Bytes r = xmm(cpu, insn.op[0].reg);
    std::memcpy(r.data(), &value, sizeof(F));
    set_xmm(cpu, insn.op[0].reg, r);
}

// CVTTSD2SI/CVTSD2SI and the single-precision forms: out-of-range values give the "integer
// indefinite" (Intel SDM Vol. 1 4.8.3.7). Rounding uses round-to-nearest-even; MXCSR.RC is
// not honoured by this stop-gap.
template <typename F, bool Truncate>
void float_to_int(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    Bytes const s = source(cpu, insn, 1, sizeof(F));
    F value;
    std::memcpy(&value, s.data(), sizeof(F));
    unsigned const size = insn.op[0].size;
    F const rounded = Truncate ? std::trunc(value) : std::nearbyint(value);
    double const limit = size == 8 ? 9223372036854775808.0 : 2147483648.0;
    uint64_t result = size == 8 ? 0x8000000000000000ULL : 0x80000000ULL;
    if (!std::isnan(rounded) && rounded < limit && rounded >= -limit)
        result = static_cast<uint64_t>(static_cast<int64_t>(rounded));
    set_reg_n(cpu, insn.op[0].reg, size, result);
}

template <typename From, typename To>
void float_convert(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    Bytes const s = source(cpu, insn, 1, sizeof(From));
    From value;
    std::memcpy(&value, s.data(), sizeof(From));
    To const converted = static_cast<To>(value);
    Bytes r = xmm(cpu, insn.op[0].reg);
    std::memcpy(r.data(), &converted, sizeof(To));
    set_xmm(cpu, insn.op[0].reg, r);
}

} // namespace

void register_simd_minimal(Registry& registry) {
    for (ZydisMnemonic const m :
         {ZYDIS_MNEMONIC_MOVDQA, ZYDIS_MNEMONIC_MOVAPS, ZYDIS_MNEMONIC_MOVAPD})
        registry.add_any<move128<true>>(m);
    for (ZydisMnemonic const m :
         {ZYDIS_MNEMONIC_MOVDQU, ZYDIS_MNEMONIC_MOVUPS, ZYDIS_MNEMONIC_MOVUPD})
        registry.add_any<move128<false>>(m);
    registry.add_any<movd_movq>(ZYDIS_MNEMONIC_MOVD);
    registry.add_any<movd_movq>(ZYDIS_MNEMONIC_MOVQ);
    // MOVSD/MOVSS with XMM operands (the string MOVSD has no visible operands).
    OperandDesc const x = operand_desc(OpKind::Xmm, 16);
    registry.add<move_scalar<8>>(ZYDIS_MNEMONIC_MOVSD, make_form({x, x}));
    registry.add<move_scalar<8>>(ZYDIS_MNEMONIC_MOVSD, make_form({x, M(8)}));
    registry.add<move_scalar<8>>(ZYDIS_MNEMONIC_MOVSD, make_form({M(8), x}));
    registry.add_any<move_scalar<4>>(ZYDIS_MNEMONIC_MOVSS);
    registry.add_any<move_half<0>>(ZYDIS_MNEMONIC_MOVLPS);
    registry.add_any<move_half<0>>(ZYDIS_MNEMONIC_MOVLPD);
    registry.add_any<move_half<1>>(ZYDIS_MNEMONIC_MOVHPS);
    registry.add_any<move_half<1>>(ZYDIS_MNEMONIC_MOVHPD);
    registry.add_any<movhlps>(ZYDIS_MNEMONIC_MOVHLPS);
    registry.add_any<movlhps>(ZYDIS_MNEMONIC_MOVLHPS);
    for (ZydisMnemonic const m : {ZYDIS_MNEMONIC_PXOR, ZYDIS_MNEMONIC_XORPS, ZYDIS_MNEMONIC_XORPD})
        registry.add_any<packed<uint64_t, Xor>>(m);
    for (ZydisMnemonic const m : {ZYDIS_MNEMONIC_POR, ZYDIS_MNEMONIC_ORPS, ZYDIS_MNEMONIC_ORPD})
        registry.add_any<packed<uint64_t, Or>>(m);
    for (ZydisMnemonic const m : {ZYDIS_MNEMONIC_PAND, ZYDIS_MNEMONIC_ANDPS, ZYDIS_MNEMONIC_ANDPD})
        registry.add_any<packed<uint64_t, And>>(m);
    for (ZydisMnemonic const m :
         {ZYDIS_MNEMONIC_PANDN, ZYDIS_MNEMONIC_ANDNPS, ZYDIS_MNEMONIC_ANDNPD})
        registry.add_any<packed<uint64_t, AndNot>>(m);
    registry.add_any<packed<uint8_t, Add>>(ZYDIS_MNEMONIC_PADDB);
    registry.add_any<packed<uint16_t, Add>>(ZYDIS_MNEMONIC_PADDW);
    registry.add_any<packed<uint32_t, Add>>(ZYDIS_MNEMONIC_PADDD);
    registry.add_any<packed<uint64_t, Add>>(ZYDIS_MNEMONIC_PADDQ);
    registry.add_any<packed<uint8_t, Sub>>(ZYDIS_MNEMONIC_PSUBB);
    registry.add_any<packed<uint16_t, Sub>>(ZYDIS_MNEMONIC_PSUBW);
    registry.add_any<packed<uint32_t, Sub>>(ZYDIS_MNEMONIC_PSUBD);
    registry.add_any<packed<uint64_t, Sub>>(ZYDIS_MNEMONIC_PSUBQ);
    registry.add_any<packed<uint8_t, Eq>>(ZYDIS_MNEMONIC_PCMPEQB);
    registry.add_any<packed<uint16_t, Eq>>(ZYDIS_MNEMONIC_PCMPEQW);
    registry.add_any<packed<uint32_t, Eq>>(ZYDIS_MNEMONIC_PCMPEQD);
    registry.add_any<packed<uint8_t, GtSigned>>(ZYDIS_MNEMONIC_PCMPGTB);
    registry.add_any<packed<uint16_t, GtSigned>>(ZYDIS_MNEMONIC_PCMPGTW);
    registry.add_any<packed<uint32_t, GtSigned>>(ZYDIS_MNEMONIC_PCMPGTD);
    registry.add_any<packed<uint8_t, Min>>(ZYDIS_MNEMONIC_PMINUB);
    registry.add_any<packed<uint8_t, Max>>(ZYDIS_MNEMONIC_PMAXUB);
    registry.add_any<pmovmskb>(ZYDIS_MNEMONIC_PMOVMSKB);
    registry.add_any<byte_shift<true>>(ZYDIS_MNEMONIC_PSLLDQ);
    registry.add_any<byte_shift<false>>(ZYDIS_MNEMONIC_PSRLDQ);
    registry.add_any<element_shift<uint16_t, ShiftKind::Left>>(ZYDIS_MNEMONIC_PSLLW);
    registry.add_any<element_shift<uint32_t, ShiftKind::Left>>(ZYDIS_MNEMONIC_PSLLD);
    registry.add_any<element_shift<uint64_t, ShiftKind::Left>>(ZYDIS_MNEMONIC_PSLLQ);
    registry.add_any<element_shift<uint16_t, ShiftKind::Right>>(ZYDIS_MNEMONIC_PSRLW);
    registry.add_any<element_shift<uint32_t, ShiftKind::Right>>(ZYDIS_MNEMONIC_PSRLD);
    registry.add_any<element_shift<uint64_t, ShiftKind::Right>>(ZYDIS_MNEMONIC_PSRLQ);
    registry.add_any<element_shift<uint16_t, ShiftKind::Arithmetic>>(ZYDIS_MNEMONIC_PSRAW);
    registry.add_any<element_shift<uint32_t, ShiftKind::Arithmetic>>(ZYDIS_MNEMONIC_PSRAD);
    registry.add_any<pshufd>(ZYDIS_MNEMONIC_PSHUFD);
    registry.add_any<pshufw<0>>(ZYDIS_MNEMONIC_PSHUFLW);
    registry.add_any<pshufw<1>>(ZYDIS_MNEMONIC_PSHUFHW);
    registry.add_any<shufps>(ZYDIS_MNEMONIC_SHUFPS);
    registry.add_any<shufpd>(ZYDIS_MNEMONIC_SHUFPD);
    registry.add_any<unpack<1, false>>(ZYDIS_MNEMONIC_PUNPCKLBW);
    registry.add_any<unpack<2, false>>(ZYDIS_MNEMONIC_PUNPCKLWD);
    registry.add_any<unpack<4, false>>(ZYDIS_MNEMONIC_PUNPCKLDQ);
    registry.add_any<unpack<8, false>>(ZYDIS_MNEMONIC_PUNPCKLQDQ);
    registry.add_any<unpack<1, true>>(ZYDIS_MNEMONIC_PUNPCKHBW);
    registry.add_any<unpack<2, true>>(ZYDIS_MNEMONIC_PUNPCKHWD);
    registry.add_any<unpack<4, true>>(ZYDIS_MNEMONIC_PUNPCKHDQ);
    registry.add_any<unpack<8, true>>(ZYDIS_MNEMONIC_PUNPCKHQDQ);
    registry.add_any<unpack<4, false>>(ZYDIS_MNEMONIC_UNPCKLPS);
    registry.add_any<unpack<4, true>>(ZYDIS_MNEMONIC_UNPCKHPS);
    registry.add_any<unpack<8, false>>(ZYDIS_MNEMONIC_UNPCKLPD);
    registry.add_any<unpack<8, true>>(ZYDIS_MNEMONIC_UNPCKHPD);
    registry.add_any<pextrw>(ZYDIS_MNEMONIC_PEXTRW);
    registry.add_any<pinsrw>(ZYDIS_MNEMONIC_PINSRW);
    registry.add_any<scalar<double, FAdd>>(ZYDIS_MNEMONIC_ADDSD);
    registry.add_any<scalar<double, FSub>>(ZYDIS_MNEMONIC_SUBSD);
    registry.add_any<scalar<double, FMul>>(ZYDIS_MNEMONIC_MULSD);
    registry.add_any<scalar<double, FDiv>>(ZYDIS_MNEMONIC_DIVSD);
    registry.add_any<scalar<double, FMin>>(ZYDIS_MNEMONIC_MINSD);
    registry.add_any<scalar<double, FMax>>(ZYDIS_MNEMONIC_MAXSD);
    registry.add_any<scalar<double, FSqrt>>(ZYDIS_MNEMONIC_SQRTSD);
    registry.add_any<scalar<float, FAdd>>(ZYDIS_MNEMONIC_ADDSS);
    registry.add_any<scalar<float, FSub>>(ZYDIS_MNEMONIC_SUBSS);
    registry.add_any<scalar<float, FMul>>(ZYDIS_MNEMONIC_MULSS);
    registry.add_any<scalar<float, FDiv>>(ZYDIS_MNEMONIC_DIVSS);
    registry.add_any<compare_scalar<double>>(ZYDIS_MNEMONIC_UCOMISD);
    registry.add_any<compare_scalar<double>>(ZYDIS_MNEMONIC_COMISD);
    registry.add_any<compare_scalar<float>>(ZYDIS_MNEMONIC_UCOMISS);
    registry.add_any<compare_scalar<float>>(ZYDIS_MNEMONIC_COMISS);
    registry.add_any<int_to_float<double>>(ZYDIS_MNEMONIC_CVTSI2SD);
    registry.add_any<int_to_float<float>>(ZYDIS_MNEMONIC_CVTSI2SS);
    registry.add_any<float_to_int<double, true>>(ZYDIS_MNEMONIC_CVTTSD2SI);
    registry.add_any<float_to_int<double, false>>(ZYDIS_MNEMONIC_CVTSD2SI);
    registry.add_any<float_to_int<float, true>>(ZYDIS_MNEMONIC_CVTTSS2SI);
    registry.add_any<float_to_int<float, false>>(ZYDIS_MNEMONIC_CVTSS2SI);
    registry.add_any<float_convert<float, double>>(ZYDIS_MNEMONIC_CVTSS2SD);
    registry.add_any<float_convert<double, float>>(ZYDIS_MNEMONIC_CVTSD2SS);
}

} // namespace vireo::emu
