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
        registry.add_any(m, move128<true>);
    for (ZydisMnemonic const m :
         {ZYDIS_MNEMONIC_MOVDQU, ZYDIS_MNEMONIC_MOVUPS, ZYDIS_MNEMONIC_MOVUPD})
        registry.add_any(m, move128<false>);
    registry.add_any(ZYDIS_MNEMONIC_MOVD, movd_movq);
    registry.add_any(ZYDIS_MNEMONIC_MOVQ, movd_movq);
    // MOVSD/MOVSS with XMM operands (the string MOVSD has no visible operands).
    OperandDesc const x = operand_desc(OpKind::Xmm, 16);
    registry.add(ZYDIS_MNEMONIC_MOVSD, make_form({x, x}), move_scalar<8>);
    registry.add(ZYDIS_MNEMONIC_MOVSD, make_form({x, M(8)}), move_scalar<8>);
    registry.add(ZYDIS_MNEMONIC_MOVSD, make_form({M(8), x}), move_scalar<8>);
    registry.add_any(ZYDIS_MNEMONIC_MOVSS, move_scalar<4>);
    registry.add_any(ZYDIS_MNEMONIC_MOVLPS, move_half<0>);
    registry.add_any(ZYDIS_MNEMONIC_MOVLPD, move_half<0>);
    registry.add_any(ZYDIS_MNEMONIC_MOVHPS, move_half<1>);
    registry.add_any(ZYDIS_MNEMONIC_MOVHPD, move_half<1>);
    registry.add_any(ZYDIS_MNEMONIC_MOVHLPS, movhlps);
    registry.add_any(ZYDIS_MNEMONIC_MOVLHPS, movlhps);
    for (ZydisMnemonic const m : {ZYDIS_MNEMONIC_PXOR, ZYDIS_MNEMONIC_XORPS, ZYDIS_MNEMONIC_XORPD})
        registry.add_any(m, packed<uint64_t, Xor>);
    for (ZydisMnemonic const m : {ZYDIS_MNEMONIC_POR, ZYDIS_MNEMONIC_ORPS, ZYDIS_MNEMONIC_ORPD})
        registry.add_any(m, packed<uint64_t, Or>);
    for (ZydisMnemonic const m : {ZYDIS_MNEMONIC_PAND, ZYDIS_MNEMONIC_ANDPS, ZYDIS_MNEMONIC_ANDPD})
        registry.add_any(m, packed<uint64_t, And>);
    for (ZydisMnemonic const m :
         {ZYDIS_MNEMONIC_PANDN, ZYDIS_MNEMONIC_ANDNPS, ZYDIS_MNEMONIC_ANDNPD})
        registry.add_any(m, packed<uint64_t, AndNot>);
    registry.add_any(ZYDIS_MNEMONIC_PADDB, packed<uint8_t, Add>);
    registry.add_any(ZYDIS_MNEMONIC_PADDW, packed<uint16_t, Add>);
    registry.add_any(ZYDIS_MNEMONIC_PADDD, packed<uint32_t, Add>);
    registry.add_any(ZYDIS_MNEMONIC_PADDQ, packed<uint64_t, Add>);
    registry.add_any(ZYDIS_MNEMONIC_PSUBB, packed<uint8_t, Sub>);
    registry.add_any(ZYDIS_MNEMONIC_PSUBW, packed<uint16_t, Sub>);
    registry.add_any(ZYDIS_MNEMONIC_PSUBD, packed<uint32_t, Sub>);
    registry.add_any(ZYDIS_MNEMONIC_PSUBQ, packed<uint64_t, Sub>);
    registry.add_any(ZYDIS_MNEMONIC_PCMPEQB, packed<uint8_t, Eq>);
    registry.add_any(ZYDIS_MNEMONIC_PCMPEQW, packed<uint16_t, Eq>);
    registry.add_any(ZYDIS_MNEMONIC_PCMPEQD, packed<uint32_t, Eq>);
    registry.add_any(ZYDIS_MNEMONIC_PCMPGTB, packed<uint8_t, GtSigned>);
    registry.add_any(ZYDIS_MNEMONIC_PCMPGTW, packed<uint16_t, GtSigned>);
    registry.add_any(ZYDIS_MNEMONIC_PCMPGTD, packed<uint32_t, GtSigned>);
    registry.add_any(ZYDIS_MNEMONIC_PMINUB, packed<uint8_t, Min>);
    registry.add_any(ZYDIS_MNEMONIC_PMAXUB, packed<uint8_t, Max>);
    registry.add_any(ZYDIS_MNEMONIC_PMOVMSKB, pmovmskb);
    registry.add_any(ZYDIS_MNEMONIC_PSLLDQ, byte_shift<true>);
    registry.add_any(ZYDIS_MNEMONIC_PSRLDQ, byte_shift<false>);
    registry.add_any(ZYDIS_MNEMONIC_PSLLW, element_shift<uint16_t, ShiftKind::Left>);
    registry.add_any(ZYDIS_MNEMONIC_PSLLD, element_shift<uint32_t, ShiftKind::Left>);
    registry.add_any(ZYDIS_MNEMONIC_PSLLQ, element_shift<uint64_t, ShiftKind::Left>);
    registry.add_any(ZYDIS_MNEMONIC_PSRLW, element_shift<uint16_t, ShiftKind::Right>);
    registry.add_any(ZYDIS_MNEMONIC_PSRLD, element_shift<uint32_t, ShiftKind::Right>);
    registry.add_any(ZYDIS_MNEMONIC_PSRLQ, element_shift<uint64_t, ShiftKind::Right>);
    registry.add_any(ZYDIS_MNEMONIC_PSRAW, element_shift<uint16_t, ShiftKind::Arithmetic>);
    registry.add_any(ZYDIS_MNEMONIC_PSRAD, element_shift<uint32_t, ShiftKind::Arithmetic>);
    registry.add_any(ZYDIS_MNEMONIC_PSHUFD, pshufd);
    registry.add_any(ZYDIS_MNEMONIC_PSHUFLW, pshufw<0>);
    registry.add_any(ZYDIS_MNEMONIC_PSHUFHW, pshufw<1>);
    registry.add_any(ZYDIS_MNEMONIC_SHUFPS, shufps);
    registry.add_any(ZYDIS_MNEMONIC_SHUFPD, shufpd);
    registry.add_any(ZYDIS_MNEMONIC_PUNPCKLBW, unpack<1, false>);
    registry.add_any(ZYDIS_MNEMONIC_PUNPCKLWD, unpack<2, false>);
    registry.add_any(ZYDIS_MNEMONIC_PUNPCKLDQ, unpack<4, false>);
    registry.add_any(ZYDIS_MNEMONIC_PUNPCKLQDQ, unpack<8, false>);
    registry.add_any(ZYDIS_MNEMONIC_PUNPCKHBW, unpack<1, true>);
    registry.add_any(ZYDIS_MNEMONIC_PUNPCKHWD, unpack<2, true>);
    registry.add_any(ZYDIS_MNEMONIC_PUNPCKHDQ, unpack<4, true>);
    registry.add_any(ZYDIS_MNEMONIC_PUNPCKHQDQ, unpack<8, true>);
    registry.add_any(ZYDIS_MNEMONIC_UNPCKLPS, unpack<4, false>);
    registry.add_any(ZYDIS_MNEMONIC_UNPCKHPS, unpack<4, true>);
    registry.add_any(ZYDIS_MNEMONIC_UNPCKLPD, unpack<8, false>);
    registry.add_any(ZYDIS_MNEMONIC_UNPCKHPD, unpack<8, true>);
    registry.add_any(ZYDIS_MNEMONIC_PEXTRW, pextrw);
    registry.add_any(ZYDIS_MNEMONIC_PINSRW, pinsrw);
    registry.add_any(ZYDIS_MNEMONIC_ADDSD, scalar<double, FAdd>);
    registry.add_any(ZYDIS_MNEMONIC_SUBSD, scalar<double, FSub>);
    registry.add_any(ZYDIS_MNEMONIC_MULSD, scalar<double, FMul>);
    registry.add_any(ZYDIS_MNEMONIC_DIVSD, scalar<double, FDiv>);
    registry.add_any(ZYDIS_MNEMONIC_MINSD, scalar<double, FMin>);
    registry.add_any(ZYDIS_MNEMONIC_MAXSD, scalar<double, FMax>);
    registry.add_any(ZYDIS_MNEMONIC_SQRTSD, scalar<double, FSqrt>);
    registry.add_any(ZYDIS_MNEMONIC_ADDSS, scalar<float, FAdd>);
    registry.add_any(ZYDIS_MNEMONIC_SUBSS, scalar<float, FSub>);
    registry.add_any(ZYDIS_MNEMONIC_MULSS, scalar<float, FMul>);
    registry.add_any(ZYDIS_MNEMONIC_DIVSS, scalar<float, FDiv>);
    registry.add_any(ZYDIS_MNEMONIC_UCOMISD, compare_scalar<double>);
    registry.add_any(ZYDIS_MNEMONIC_COMISD, compare_scalar<double>);
    registry.add_any(ZYDIS_MNEMONIC_UCOMISS, compare_scalar<float>);
    registry.add_any(ZYDIS_MNEMONIC_COMISS, compare_scalar<float>);
    registry.add_any(ZYDIS_MNEMONIC_CVTSI2SD, int_to_float<double>);
    registry.add_any(ZYDIS_MNEMONIC_CVTSI2SS, int_to_float<float>);
    registry.add_any(ZYDIS_MNEMONIC_CVTTSD2SI, float_to_int<double, true>);
    registry.add_any(ZYDIS_MNEMONIC_CVTSD2SI, float_to_int<double, false>);
    registry.add_any(ZYDIS_MNEMONIC_CVTTSS2SI, float_to_int<float, true>);
    registry.add_any(ZYDIS_MNEMONIC_CVTSS2SI, float_to_int<float, false>);
    registry.add_any(ZYDIS_MNEMONIC_CVTSS2SD, float_convert<float, double>);
    registry.add_any(ZYDIS_MNEMONIC_CVTSD2SS, float_convert<double, float>);
}

} // namespace vireo::emu
