// Shifts and rotates (SHL/SAL, SHR, SAR, ROL, ROR, RCL, RCR) and the double shifts SHLD/SHRD,
// with the flag rules of Intel SDM Vol. 2B "SAL/SAR/SHL/SHR", "RCL/RCR/ROL/ROR", "SHLD",
// "SHRD": a masked count of 0 changes nothing; OF is defined for counts of 1 and computed by
// the same formula otherwise, as Intel processors do.
#include "emu/handlers.h"
#include "emu/operands.h"

namespace vireo::emu {

namespace {

enum class Shift { Shl, Shr, Sar, Rol, Ror, Rcl, Rcr };

// The count mask: 5 bits, 6 for 64-bit operands (Intel SDM Vol. 2B "SAL/SAR/SHL/SHR").
constexpr unsigned count_mask(unsigned size) {
    return size == 8 ? 0x3f : 0x1f;
}

uint64_t result_flags(uint64_t result, unsigned size) {
    uint64_t const m = result & size_mask(size);
    return (m == 0 ? x86::kFlagZf : 0) | ((m & sign_bit(size)) != 0 ? x86::kFlagSf : 0) |
           (even_parity(m) ? x86::kFlagPf : 0);
}

constexpr uint64_t kShiftFlags = kArithFlags;
constexpr uint64_t kRotateFlags = x86::kFlagCf | x86::kFlagOf;

template <Shift Op, unsigned S>
uint64_t shift(FlagState& flags, uint64_t value, unsigned raw_count) {
    constexpr unsigned bits = S * 8;
    constexpr uint64_t mask = size_mask(S);
    constexpr uint64_t msb = sign_bit(S);
    uint64_t const a = value & mask;
    unsigned count = raw_count & count_mask(S);
    if (count == 0)
        return a;
    uint64_t r = 0;
    bool cf = false;
    bool of = false;
    if constexpr (Op == Shift::Shl) {
        r = count >= 64 ? 0 : (a << count);
        cf = count <= bits && ((a >> (bits - count)) & 1) != 0;
        of = ((r & msb) != 0) != cf;
        flags.set_arith(kShiftFlags,
                        result_flags(r, S) | (cf ? x86::kFlagCf : 0) | (of ? x86::kFlagOf : 0));
    } else if constexpr (Op == Shift::Shr) {
        r = a >> count;
        cf = ((a >> (count - 1)) & 1) != 0;
        of = (a & msb) != 0;
        flags.set_arith(kShiftFlags,
                        result_flags(r, S) | (cf ? x86::kFlagCf : 0) | (of ? x86::kFlagOf : 0));
    } else if constexpr (Op == Shift::Sar) {
        int64_t const sa = sign_extend(a, S);
        unsigned const c = count > bits ? bits : count; // at most 63 for 64-bit operands
        r = static_cast<uint64_t>(sa >> c);
        cf = ((sa >> (c - 1)) & 1) != 0;
        flags.set_arith(kShiftFlags, result_flags(r, S) | (cf ? x86::kFlagCf : 0));
    } else if constexpr (Op == Shift::Rol || Op == Shift::Ror) {
        unsigned const c = count % bits;
        if constexpr (Op == Shift::Rol) {
            r = c == 0 ? a : ((a << c) | (a >> (bits - c))) & mask;
            cf = (r & 1) != 0;
            of = ((r & msb) != 0) != cf;
        } else {
            r = c == 0 ? a : ((a >> c) | (a << (bits - c))) & mask;
            cf = (r & msb) != 0;
            of = cf != ((r & (msb >> 1)) != 0);
        }
        flags.set_arith(kRotateFlags, (cf ? x86::kFlagCf : 0) | (of ? x86::kFlagOf : 0));
    } else {
        // RCL/RCR rotate through CF: a (bits + 1)-bit rotation (Intel SDM Vol. 2B "RCL").
        if constexpr (S < 4)
            count %= bits + 1;
        cf = flags.cf();
        r = a;
        for (unsigned i = 0; i < count; ++i) {
            if constexpr (Op == Shift::Rcl) {
                bool const out = (r & msb) != 0;
                r = ((r << 1) | (cf ? 1 : 0)) & mask;
                cf = out;
            } else {
                bool const out = (r & 1) != 0;
                r = (r >> 1) | (cf ? msb : 0);
                cf = out;
            }
        }
        if constexpr (Op == Shift::Rcl)
            of = ((r & msb) != 0) != cf;
        else
            of = ((r & msb) != 0) != ((r & (msb >> 1)) != 0);
        flags.set_arith(kRotateFlags, (cf ? x86::kFlagCf : 0) | (of ? x86::kFlagOf : 0));
    }
    return r & mask;
}

enum class Count { Imm, Cl };

template <Count C>
unsigned count_of(Cpu const& cpu, Insn const& insn) {
    if constexpr (C == Count::Imm)
        return static_cast<unsigned>(insn.imm);
    else
        return static_cast<unsigned>(cpu.regs[1] & 0xff);
}

template <Shift Op, unsigned S, Count C>
void shift_r(Cpu& cpu, Insn const& insn) {
    unsigned const reg = insn.op[0].reg;
    set_reg<S>(cpu, reg, shift<Op, S>(cpu.flags, get_reg<S>(cpu, reg), count_of<C>(cpu, insn)));
}

template <Shift Op, unsigned S, Count C>
void shift_m(Cpu& cpu, Insn const& insn) {
    uint64_t const linear = linear_address(cpu, insn);
    uint64_t const value = read_for_write_sized<S>(cpu, linear);
    FlagState flags = cpu.flags;
    uint64_t const result = shift<Op, S>(flags, value, count_of<C>(cpu, insn));
    write_sized<S>(cpu, linear, result);
    cpu.flags = flags;
}

template <Shift Op, unsigned S>
void add_shift_size(Registry& registry, ZydisMnemonic mnemonic) {
    registry.add<shift_r<Op, S, Count::Imm>>(mnemonic, make_form({R(S), I}));
    registry.add<shift_r<Op, S, Count::Cl>>(mnemonic, make_form({R(S), R(1)}));
    registry.add<shift_m<Op, S, Count::Imm>>(mnemonic, make_form({M(S), I}));
    registry.add<shift_m<Op, S, Count::Cl>>(mnemonic, make_form({M(S), R(1)}));
}

template <Shift Op>
void add_shift(Registry& registry, ZydisMnemonic mnemonic) {
    add_shift_size<Op, 1>(registry, mnemonic);
    add_shift_size<Op, 2>(registry, mnemonic);
    add_shift_size<Op, 4>(registry, mnemonic);
    add_shift_size<Op, 8>(registry, mnemonic);
}

// SHLD/SHRD: shift `dst` by `count`, filling from `src` (Intel SDM Vol. 2B "SHLD", "SHRD").
template <bool Left, unsigned S>
uint64_t double_shift(FlagState& flags, uint64_t dst, uint64_t src, unsigned raw_count) {
    constexpr unsigned bits = S * 8;
    constexpr uint64_t mask = size_mask(S);
    uint64_t const a = dst & mask;
    uint64_t const b = src & mask;
    unsigned count = raw_count & count_mask(S);
    if (count == 0)
        return a;
    // Counts above 16 are undefined for 16-bit operands; vireo treats them as 16.
    if (count > bits)
        count = bits;
    uint64_t r = 0;
    bool cf = false;
    if constexpr (Left) {
        r = ((a << count) | (b >> (bits - count))) & mask;
        cf = ((a >> (bits - count)) & 1) != 0;
    } else {
        r = ((a >> count) | (b << (bits - count))) & mask;
        cf = ((a >> (count - 1)) & 1) != 0;
    }
    bool const of = ((r ^ a) & sign_bit(S)) != 0;
    flags.set_arith(kShiftFlags,
                    result_flags(r, S) | (cf ? x86::kFlagCf : 0) | (of ? x86::kFlagOf : 0));
    return r;
}

template <bool Left, unsigned S, Count C>
void double_r(Cpu& cpu, Insn const& insn) {
    unsigned const reg = insn.op[0].reg;
    set_reg<S>(cpu, reg,
               double_shift<Left, S>(cpu.flags, get_reg<S>(cpu, reg),
                                     get_reg<S>(cpu, insn.op[1].reg), count_of<C>(cpu, insn)));
}

template <bool Left, unsigned S, Count C>
void double_m(Cpu& cpu, Insn const& insn) {
    uint64_t const linear = linear_address(cpu, insn);
    uint64_t const value = read_for_write_sized<S>(cpu, linear);
    FlagState flags = cpu.flags;
    uint64_t const result = double_shift<Left, S>(flags, value, get_reg<S>(cpu, insn.op[1].reg),
                                                  count_of<C>(cpu, insn));
    write_sized<S>(cpu, linear, result);
    cpu.flags = flags;
}

template <bool Left, unsigned S>
void add_double_size(Registry& registry, ZydisMnemonic mnemonic) {
    registry.add<double_r<Left, S, Count::Imm>>(mnemonic, make_form({R(S), R(S), I}));
    registry.add<double_r<Left, S, Count::Cl>>(mnemonic, make_form({R(S), R(S), R(1)}));
    registry.add<double_m<Left, S, Count::Imm>>(mnemonic, make_form({M(S), R(S), I}));
    registry.add<double_m<Left, S, Count::Cl>>(mnemonic, make_form({M(S), R(S), R(1)}));
}

} // namespace

void register_shift(Registry& registry) {
    add_shift<Shift::Shl>(registry, ZYDIS_MNEMONIC_SHL);
    add_shift<Shift::Shr>(registry, ZYDIS_MNEMONIC_SHR);
    add_shift<Shift::Sar>(registry, ZYDIS_MNEMONIC_SAR);
    add_shift<Shift::Rol>(registry, ZYDIS_MNEMONIC_ROL);
    add_shift<Shift::Ror>(registry, ZYDIS_MNEMONIC_ROR);
    add_shift<Shift::Rcl>(registry, ZYDIS_MNEMONIC_RCL);
    add_shift<Shift::Rcr>(registry, ZYDIS_MNEMONIC_RCR);
    add_double_size<true, 2>(registry, ZYDIS_MNEMONIC_SHLD);
    add_double_size<true, 4>(registry, ZYDIS_MNEMONIC_SHLD);
    add_double_size<true, 8>(registry, ZYDIS_MNEMONIC_SHLD);
    add_double_size<false, 2>(registry, ZYDIS_MNEMONIC_SHRD);
    add_double_size<false, 4>(registry, ZYDIS_MNEMONIC_SHRD);
    add_double_size<false, 8>(registry, ZYDIS_MNEMONIC_SHRD);
}

} // namespace vireo::emu
