// Bit instructions: BT, BTS, BTR, BTC, BSF, BSR, POPCNT, BSWAP and SETcc.
#include "emu/atomic.h"
#include "emu/condition.h"
#include "emu/handlers.h"
#include "emu/operands.h"

namespace vireo::emu {

namespace {

enum class BitOp { Test, Set, Reset, Complement };

template <BitOp Op>
uint64_t apply(uint64_t value, uint64_t bit) {
    if constexpr (Op == BitOp::Set)
        return value | bit;
    else if constexpr (Op == BitOp::Reset)
        return value & ~bit;
    else if constexpr (Op == BitOp::Complement)
        return value ^ bit;
    else
        return value;
}

// BT* leave OF, SF, AF and PF undefined and ZF unchanged; vireo sets only CF.
void set_carry(FlagState& flags, bool carry) {
    flags.set_arith(x86::kFlagCf, carry ? x86::kFlagCf : 0);
}

template <BitOp Op, unsigned S>
void bit_r(Cpu& cpu, Insn const& insn) {
    uint64_t const offset =
        insn.op[1].kind == OpKind::Imm ? insn.imm : get_reg<S>(cpu, insn.op[1].reg);
    uint64_t const bit = 1ULL << (offset & (S * 8 - 1));
    uint64_t const value = get_reg<S>(cpu, insn.op[0].reg);
    if constexpr (Op != BitOp::Test)
        set_reg<S>(cpu, insn.op[0].reg, apply<Op>(value, bit));
    set_carry(cpu.flags, (value & bit) != 0);
}

template <BitOp Op, unsigned S>
void bit_m(Cpu& cpu, Insn const& insn) {
    uint64_t linear = linear_address(cpu, insn);
    uint64_t bit_index = 0;
    if (insn.op[1].kind == OpKind::Imm) {
        bit_index = insn.imm & (S * 8 - 1);
    } else {
        // A register bit offset is signed and may address outside the operand (Intel SDM
        // Vol. 2A "BT": "bit string" addressing).
        int64_t const offset = sign_extend(get_reg<S>(cpu, insn.op[1].reg), S);
        linear = (linear + static_cast<uint64_t>((offset >> (S == 2   ? 4
                                                             : S == 4 ? 5
                                                                      : 6)) *
                                                 static_cast<int64_t>(S))) &
                 cpu.linear_mask;
        bit_index = static_cast<uint64_t>(offset) & (S * 8 - 1);
    }
    uint64_t const bit = 1ULL << bit_index;
    uint64_t value = 0;
    if constexpr (Op == BitOp::Test)
        value = read_sized<S>(cpu, linear);
    else
        value = read_modify_write<S>(cpu, linear, (insn.prefixes & kPrefixLock) != 0,
                                     [bit](uint64_t v) { return apply<Op>(v, bit); });
    set_carry(cpu.flags, (value & bit) != 0);
}

template <unsigned S>
uint64_t source(Cpu& cpu, Insn const& insn) {
    if (insn.op[1].kind == OpKind::Gpr)
        return get_reg<S>(cpu, insn.op[1].reg);
    return read_sized<S>(cpu, linear_address(cpu, insn));
}

// BSF/BSR: a zero source sets ZF and leaves the destination unchanged (documented as
// undefined; this is what Intel and AMD processors do).
template <bool Forward, unsigned S>
void bit_scan(Cpu& cpu, Insn const& insn) {
    uint64_t const value = source<S>(cpu, insn) & size_mask(S);
    if (value == 0) {
        cpu.flags.set_arith(kArithFlags, x86::kFlagZf);
        if constexpr (S == 4)
            set_reg<4>(cpu, insn.op[0].reg, get_reg<4>(cpu, insn.op[0].reg));
        return;
    }
    unsigned const index = Forward ? static_cast<unsigned>(__builtin_ctzll(value))
                                   : 63U - static_cast<unsigned>(__builtin_clzll(value));
    set_reg<S>(cpu, insn.op[0].reg, index);
    cpu.flags.set_arith(kArithFlags, even_parity(index) ? x86::kFlagPf : 0);
}

template <unsigned S>
void popcnt(Cpu& cpu, Insn const& insn) {
    uint64_t const value = source<S>(cpu, insn) & size_mask(S);
    set_reg<S>(cpu, insn.op[0].reg, static_cast<uint64_t>(__builtin_popcountll(value)));
    // POPCNT clears OF, SF, ZF, AF, CF and PF, then sets ZF for a zero source.
    cpu.flags.set_arith(kArithFlags, value == 0 ? x86::kFlagZf : 0);
}

template <unsigned S>
void bswap(Cpu& cpu, Insn const& insn) {
    uint64_t const value = get_reg<S>(cpu, insn.op[0].reg);
    if constexpr (S == 8)
        set_reg<8>(cpu, insn.op[0].reg, __builtin_bswap64(value));
    else if constexpr (S == 4)
        set_reg<4>(cpu, insn.op[0].reg, __builtin_bswap32(static_cast<uint32_t>(value)));
    else
        set_reg<2>(cpu, insn.op[0].reg, 0); // BSWAP of a 16-bit register is undefined: zero
}

template <unsigned CC>
void setcc_r(Cpu& cpu, Insn const& insn) {
    set_reg<1>(cpu, insn.op[0].reg, cpu.flags.condition(CC) ? 1 : 0);
}
template <unsigned CC>
void setcc_m(Cpu& cpu, Insn const& insn) {
    write_sized<1>(cpu, linear_address(cpu, insn), cpu.flags.condition(CC) ? 1 : 0);
}

template <BitOp Op, unsigned S>
void add_bit_size(Registry& registry, ZydisMnemonic mnemonic) {
    registry.add<bit_r<Op, S>>(mnemonic, make_form({R(S), R(S)}));
    registry.add<bit_r<Op, S>>(mnemonic, make_form({R(S), I}));
    registry.add<bit_m<Op, S>>(mnemonic, make_form({M(S), R(S)}));
    registry.add<bit_m<Op, S>>(mnemonic, make_form({M(S), I}));
}

template <BitOp Op>
void add_bit(Registry& registry, ZydisMnemonic mnemonic) {
    add_bit_size<Op, 2>(registry, mnemonic);
    add_bit_size<Op, 4>(registry, mnemonic);
    add_bit_size<Op, 8>(registry, mnemonic);
}

template <unsigned S>
void add_scan_size(Registry& registry) {
    for (OperandDesc const src : {R(S), M(S)}) {
        registry.add<bit_scan<true, S>>(ZYDIS_MNEMONIC_BSF, make_form({R(S), src}));
        registry.add<bit_scan<false, S>>(ZYDIS_MNEMONIC_BSR, make_form({R(S), src}));
        registry.add<popcnt<S>>(ZYDIS_MNEMONIC_POPCNT, make_form({R(S), src}));
    }
    registry.add<bswap<S>>(ZYDIS_MNEMONIC_BSWAP, make_form({R(S)}));
}

} // namespace

void register_bits(Registry& registry) {
    add_bit<BitOp::Test>(registry, ZYDIS_MNEMONIC_BT);
    add_bit<BitOp::Set>(registry, ZYDIS_MNEMONIC_BTS);
    add_bit<BitOp::Reset>(registry, ZYDIS_MNEMONIC_BTR);
    add_bit<BitOp::Complement>(registry, ZYDIS_MNEMONIC_BTC);
    add_scan_size<2>(registry);
    add_scan_size<4>(registry);
    add_scan_size<8>(registry);
    for_each_condition([&]<unsigned CC>() {
        registry.add<setcc_r<CC>>(kSetccMnemonics[CC], make_form({R(1)}));
        registry.add<setcc_m<CC>>(kSetccMnemonics[CC], make_form({M(1)}));
    });
}

} // namespace vireo::emu
