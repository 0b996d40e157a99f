// Two-operand arithmetic and logic (ADD, OR, ADC, SBB, AND, SUB, XOR, CMP, TEST) and the
// one-operand INC, DEC, NEG, NOT, specialised per operand form and size. Flags are lazy
// (flags.h).
#include "emu/atomic.h"
#include "emu/handlers.h"
#include "emu/operands.h"

namespace vireo::emu {

namespace {

enum class Alu { Add, Or, Adc, Sbb, And, Sub, Xor, Cmp, Test };

constexpr bool writes_back(Alu op) {
    return op != Alu::Cmp && op != Alu::Test;
}

template <Alu Op, unsigned S>
inline uint64_t compute(FlagState& flags, uint64_t a, uint64_t b) {
    uint64_t result = 0;
    if constexpr (Op == Alu::Add) {
        result = a + b;
        flags.record(FlagOp::Add, S, a, b, result);
    } else if constexpr (Op == Alu::Adc) {
        bool const carry = flags.cf();
        result = a + b + (carry ? 1 : 0);
        flags.record_with_carry(FlagOp::Adc, S, a, b, result, carry);
    } else if constexpr (Op == Alu::Sub || Op == Alu::Cmp) {
        result = a - b;
        flags.record(FlagOp::Sub, S, a, b, result);
    } else if constexpr (Op == Alu::Sbb) {
        bool const carry = flags.cf();
        result = a - b - (carry ? 1 : 0);
        flags.record_with_carry(FlagOp::Sbb, S, a, b, result, carry);
    } else {
        if constexpr (Op == Alu::Or)
            result = a | b;
        else if constexpr (Op == Alu::Xor)
            result = a ^ b;
        else
            result = a & b;
        flags.record(FlagOp::Logic, S, a, b, result);
    }
    return result;
}

template <Alu Op, unsigned S>
void alu_rr(Cpu& cpu, Insn const& insn) {
    uint64_t const result =
        compute<Op, S>(cpu.flags, get_reg<S>(cpu, insn.op[0].reg), get_reg<S>(cpu, insn.op[1].reg));
    if constexpr (writes_back(Op))
        set_reg<S>(cpu, insn.op[0].reg, result);
}

template <Alu Op, unsigned S>
void alu_ri(Cpu& cpu, Insn const& insn) {
    uint64_t const result = compute<Op, S>(cpu.flags, get_reg<S>(cpu, insn.op[0].reg), insn.imm);
    if constexpr (writes_back(Op))
        set_reg<S>(cpu, insn.op[0].reg, result);
}

template <Alu Op, unsigned S>
void alu_rm(Cpu& cpu, Insn const& insn) {
    uint64_t const b = read_sized<S>(cpu, linear_address(cpu, insn));
    uint64_t const result = compute<Op, S>(cpu.flags, get_reg<S>(cpu, insn.op[0].reg), b);
    if constexpr (writes_back(Op))
        set_reg<S>(cpu, insn.op[0].reg, result);
}

template <Alu Op, unsigned S>
void alu_m(Cpu& cpu, Insn const& insn, uint64_t b) {
    uint64_t const linear = linear_address(cpu, insn);
    if constexpr (!writes_back(Op)) {
        compute<Op, S>(cpu.flags, read_sized<S>(cpu, linear), b);
    } else {
        // The flags come from the value the (possibly retried, atomic) update really used.
        FlagState result_flags;
        read_modify_write<S>(cpu, linear, (insn.prefixes & kPrefixLock) != 0, [&](uint64_t a) {
            FlagState attempt = cpu.flags;
            uint64_t const result = compute<Op, S>(attempt, a, b);
            result_flags = attempt;
            return result;
        });
        cpu.flags = result_flags;
    }
}

template <Alu Op, unsigned S>
void alu_mr(Cpu& cpu, Insn const& insn) {
    alu_m<Op, S>(cpu, insn, get_reg<S>(cpu, insn.op[1].reg));
}

template <Alu Op, unsigned S>
void alu_mi(Cpu& cpu, Insn const& insn) {
    alu_m<Op, S>(cpu, insn, insn.imm);
}

template <Alu Op, unsigned S>
void add_alu_size(Registry& registry, ZydisMnemonic mnemonic) {
    registry.add<alu_rr<Op, S>>(mnemonic, make_form({R(S), R(S)}));
    registry.add<alu_ri<Op, S>>(mnemonic, make_form({R(S), I}));
    registry.add<alu_rm<Op, S>>(mnemonic, make_form({R(S), M(S)}));
    registry.add<alu_mr<Op, S>>(mnemonic, make_form({M(S), R(S)}));
    registry.add<alu_mi<Op, S>>(mnemonic, make_form({M(S), I}));
}

template <Alu Op>
void add_alu(Registry& registry, ZydisMnemonic mnemonic) {
    add_alu_size<Op, 1>(registry, mnemonic);
    add_alu_size<Op, 2>(registry, mnemonic);
    add_alu_size<Op, 4>(registry, mnemonic);
    add_alu_size<Op, 8>(registry, mnemonic);
}

// INC, DEC, NEG, NOT.
enum class Unary { Inc, Dec, Neg, Not };

template <Unary Op, unsigned S>
inline uint64_t unary(FlagState& flags, uint64_t a) {
    if constexpr (Op == Unary::Inc) {
        // INC and DEC leave CF alone (Intel SDM Vol. 2A "INC").
        flags.record_with_carry(FlagOp::Inc, S, a, 1, a + 1, flags.cf());
        return a + 1;
    } else if constexpr (Op == Unary::Dec) {
        flags.record_with_carry(FlagOp::Dec, S, a, 1, a - 1, flags.cf());
        return a - 1;
    } else if constexpr (Op == Unary::Neg) {
        flags.record(FlagOp::Neg, S, 0, a, 0 - a);
        return 0 - a;
    } else {
        return ~a; // NOT changes no flags
    }
}

template <Unary Op, unsigned S>
void unary_r(Cpu& cpu, Insn const& insn) {
    set_reg<S>(cpu, insn.op[0].reg, unary<Op, S>(cpu.flags, get_reg<S>(cpu, insn.op[0].reg)));
}

template <Unary Op, unsigned S>
void unary_m(Cpu& cpu, Insn const& insn) {
    FlagState result_flags;
    read_modify_write<S>(cpu, linear_address(cpu, insn), (insn.prefixes & kPrefixLock) != 0,
                         [&](uint64_t a) {
                             FlagState attempt = cpu.flags;
                             uint64_t const result = unary<Op, S>(attempt, a);
                             result_flags = attempt;
                             return result;
                         });
    cpu.flags = result_flags;
}

template <Unary Op>
void add_unary(Registry& registry, ZydisMnemonic mnemonic) {
    registry.add<unary_r<Op, 1>>(mnemonic, make_form({R(1)}));
    registry.add<unary_r<Op, 2>>(mnemonic, make_form({R(2)}));
    registry.add<unary_r<Op, 4>>(mnemonic, make_form({R(4)}));
    registry.add<unary_r<Op, 8>>(mnemonic, make_form({R(8)}));
    registry.add<unary_m<Op, 1>>(mnemonic, make_form({M(1)}));
    registry.add<unary_m<Op, 2>>(mnemonic, make_form({M(2)}));
    registry.add<unary_m<Op, 4>>(mnemonic, make_form({M(4)}));
    registry.add<unary_m<Op, 8>>(mnemonic, make_form({M(8)}));
}

} // namespace

void register_alu(Registry& registry) {
    add_alu<Alu::Add>(registry, ZYDIS_MNEMONIC_ADD);
    add_alu<Alu::Or>(registry, ZYDIS_MNEMONIC_OR);
    add_alu<Alu::Adc>(registry, ZYDIS_MNEMONIC_ADC);
    add_alu<Alu::Sbb>(registry, ZYDIS_MNEMONIC_SBB);
    add_alu<Alu::And>(registry, ZYDIS_MNEMONIC_AND);
    add_alu<Alu::Sub>(registry, ZYDIS_MNEMONIC_SUB);
    add_alu<Alu::Xor>(registry, ZYDIS_MNEMONIC_XOR);
    add_alu<Alu::Cmp>(registry, ZYDIS_MNEMONIC_CMP);
    add_alu<Alu::Test>(registry, ZYDIS_MNEMONIC_TEST);
    add_unary<Unary::Inc>(registry, ZYDIS_MNEMONIC_INC);
    add_unary<Unary::Dec>(registry, ZYDIS_MNEMONIC_DEC);
    add_unary<Unary::Neg>(registry, ZYDIS_MNEMONIC_NEG);
    add_unary<Unary::Not>(registry, ZYDIS_MNEMONIC_NOT);
}

} // namespace vireo::emu
