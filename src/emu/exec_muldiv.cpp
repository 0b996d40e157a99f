// Multiplication and division: MUL, IMUL (one, two and three operands), DIV, IDIV, with #DE
// for a zero divisor or a quotient that does not fit (Intel SDM Vol. 2A "DIV", "IDIV").
#include "emu/handlers.h"
#include "emu/operands.h"

namespace vireo::emu {

namespace {

using u128 = unsigned __int128;
using i128 = __int128;

constexpr unsigned kRax = reg_offset(x86::Gpr::Rax);
constexpr unsigned kRdx = reg_offset(x86::Gpr::Rdx);

template <unsigned S>
uint64_t source(Cpu& cpu, Insn const& insn, unsigned n) {
    if (insn.op[n].kind == OpKind::Gpr)
        return get_reg<S>(cpu, insn.op[n].reg);
    return read_sized<S>(cpu, linear_address(cpu, insn));
}

// MUL and IMUL leave SF, ZF, AF and PF undefined; vireo derives SF/ZF/PF from the low half,
// lazily like the ALU flags.
void set_mul_flags(FlagState& flags, uint64_t low, unsigned size, bool overflow) {
    flags.record_with_carry(FlagOp::Mul, size, 0, 0, low, overflow);
}

// Stores a double-width product in AX, DX:AX, EDX:EAX or RDX:RAX.
template <unsigned S>
void store_wide(Cpu& cpu, u128 product) {
    if constexpr (S == 1) {
        set_reg<2>(cpu, kRax, static_cast<uint64_t>(product));
    } else {
        set_reg<S>(cpu, kRax, static_cast<uint64_t>(product));
        set_reg<S>(cpu, kRdx, static_cast<uint64_t>(product >> (S * 8)));
    }
}

template <unsigned S>
void mul(Cpu& cpu, Insn const& insn) {
    u128 const product = static_cast<u128>(get_reg<S>(cpu, kRax)) * source<S>(cpu, insn, 0);
    store_wide<S>(cpu, product);
    set_mul_flags(cpu.flags, static_cast<uint64_t>(product), S, (product >> (S * 8)) != 0);
}

template <unsigned S>
i128 signed_product(uint64_t a, uint64_t b) {
    return static_cast<i128>(sign_extend(a, S)) * static_cast<i128>(sign_extend(b, S));
}

template <unsigned S>
bool fits(i128 value) {
    return value == static_cast<i128>(sign_extend(static_cast<uint64_t>(value), S));
}

template <unsigned S>
void imul1(Cpu& cpu, Insn const& insn) {
    i128 const product = signed_product<S>(get_reg<S>(cpu, kRax), source<S>(cpu, insn, 0));
    store_wide<S>(cpu, static_cast<u128>(product));
    set_mul_flags(cpu.flags, static_cast<uint64_t>(product), S, !fits<S>(product));
}

template <unsigned S>
void imul2(Cpu& cpu, Insn const& insn) {
    i128 const product =
        signed_product<S>(get_reg<S>(cpu, insn.op[0].reg), source<S>(cpu, insn, 1));
    set_reg<S>(cpu, insn.op[0].reg, static_cast<uint64_t>(product));
    set_mul_flags(cpu.flags, static_cast<uint64_t>(product), S, !fits<S>(product));
}

template <unsigned S>
void imul3(Cpu& cpu, Insn const& insn) {
    i128 const product = signed_product<S>(source<S>(cpu, insn, 1), insn.imm);
    set_reg<S>(cpu, insn.op[0].reg, static_cast<uint64_t>(product));
    set_mul_flags(cpu.flags, static_cast<uint64_t>(product), S, !fits<S>(product));
}

// The double-width dividend: AX, DX:AX, EDX:EAX or RDX:RAX.
template <unsigned S>
u128 dividend(Cpu const& cpu) {
    if constexpr (S == 1)
        return get_reg<2>(cpu, kRax);
    else
        return (static_cast<u128>(get_reg<S>(cpu, kRdx)) << (S * 8)) | get_reg<S>(cpu, kRax);
}

template <unsigned S>
void store_division(Cpu& cpu, uint64_t quotient, uint64_t remainder) {
    if constexpr (S == 1) {
        set_reg<1>(cpu, kRax, quotient);
        set_reg<1>(cpu, kRax + 1, remainder); // AH
    } else {
        set_reg<S>(cpu, kRax, quotient);
        set_reg<S>(cpu, kRdx, remainder);
    }
}

template <unsigned S>
void div(Cpu& cpu, Insn const& insn) {
    uint64_t const divisor = source<S>(cpu, insn, 0);
    if (divisor == 0)
        raise_de();
    u128 const n = dividend<S>(cpu);
    u128 const quotient = n / divisor;
    if (quotient > size_mask(S))
        raise_de();
    store_division<S>(cpu, static_cast<uint64_t>(quotient), static_cast<uint64_t>(n % divisor));
}

template <unsigned S>
void idiv(Cpu& cpu, Insn const& insn) {
    int64_t const divisor = sign_extend(source<S>(cpu, insn, 0), S);
    if (divisor == 0)
        raise_de();
    // Sign-extend the 2*S-byte dividend from its top bit.
    u128 const raw = dividend<S>(cpu);
    unsigned const shift = 128 - S * 16;
    i128 const n = static_cast<i128>(raw << shift) >> shift;
    // INT_MIN / -1 of 128 bits cannot occur: the dividend is at most 2 * 64 bits wide.
    i128 const quotient = n / divisor;
    if (!fits<S>(quotient))
        raise_de();
    store_division<S>(cpu, static_cast<uint64_t>(quotient), static_cast<uint64_t>(n % divisor));
}

template <unsigned S>
void add_size(Registry& registry) {
    for (OperandDesc const src : {R(S), M(S)}) {
        registry.add<mul<S>>(ZYDIS_MNEMONIC_MUL, make_form({src}));
        registry.add<imul1<S>>(ZYDIS_MNEMONIC_IMUL, make_form({src}));
        registry.add<div<S>>(ZYDIS_MNEMONIC_DIV, make_form({src}));
        registry.add<idiv<S>>(ZYDIS_MNEMONIC_IDIV, make_form({src}));
        if constexpr (S > 1) {
            registry.add<imul2<S>>(ZYDIS_MNEMONIC_IMUL, make_form({R(S), src}));
            registry.add<imul3<S>>(ZYDIS_MNEMONIC_IMUL, make_form({R(S), src, I}));
        }
    }
}

} // namespace

void register_muldiv(Registry& registry) {
    add_size<1>(registry);
    add_size<2>(registry);
    add_size<4>(registry);
    add_size<8>(registry);
}

} // namespace vireo::emu
