#include "emu/jit/recipe.h"

#include <algorithm>
#include <cstdlib>

#include "emu/condition.h"
#include "emu/handlers.h"
#include "emu/registry.h"

namespace vireo::emu::jit {

namespace {

constexpr uint64_t CF = x86::kFlagCf, PF = x86::kFlagPf, ZF = x86::kFlagZf, SF = x86::kFlagSf,
                   OF = x86::kFlagOf;
constexpr uint64_t kAll = kArithFlags;

// The flags each condition code tests (Intel SDM Vol. 1 Appendix B, Table B-1), by cc / 2.
constexpr uint64_t kConditionFlags[8] = {OF, CF, ZF, CF | ZF, SF, PF, SF | OF, ZF | SF | OF};

int condition_index(uint16_t mnemonic, std::array<ZydisMnemonic, 16> const& table) {
    auto const it = std::find(table.begin(), table.end(), static_cast<ZydisMnemonic>(mnemonic));
    return it == table.end() ? -1 : static_cast<int>(it - table.begin());
}

Form form_of(Insn const& insn) {
    Form form = 0;
    for (unsigned i = 0; i < kMaxOperands && insn.op[i].kind != OpKind::None; ++i)
        form |= static_cast<Form>(operand_desc(insn.op[i].kind, insn.op[i].size)) << (8 * i);
    return form;
}

// True when the decoder gave `insn` the handler the registry lists for its mnemonic and
// form, which is what the native patterns implement.
bool standard(Insn const& insn) {
    Registry::Entry const* entry =
        handler_registry().find(static_cast<ZydisMnemonic>(insn.mnemonic), form_of(insn));
    return entry != nullptr && entry->handler == insn.handler;
}

Handler nop_handler() {
    static Handler const nop = handler_registry().find(ZYDIS_MNEMONIC_NOP, make_form({}))->handler;
    return nop;
}

bool is(Operand const& op, OpKind kind) {
    return op.kind == kind;
}
bool reg_or_mem(Operand const& op) {
    return op.kind == OpKind::Gpr || op.kind == OpKind::Mem;
}
bool any_memory(Insn const& insn) {
    return is(insn.op[0], OpKind::Mem) || is(insn.op[1], OpKind::Mem) ||
           is(insn.op[2], OpKind::Mem);
}
unsigned operand_count(Insn const& insn) {
    unsigned n = 0;
    while (n < kMaxOperands && insn.op[n].kind != OpKind::None)
        ++n;
    return n;
}
bool locked(Insn const& insn) {
    return (insn.prefixes & kPrefixLock) != 0;
}
unsigned count_mask(unsigned size) {
    return size == 8 ? 0x3f : 0x1f;
}

Recipe make(Kind kind, Insn const& insn, uint64_t reads = 0, uint64_t writes = 0) {
    return Recipe{kind, 0, any_memory(insn), reads, writes};
}

// The flags a shift or rotate by an immediate defines (Intel SDM Vol. 2B "SAL/SAR/SHL/SHR",
// "RCL/RCR/ROL/ROR"): none for a masked count of 0, OF only for a count of 1, CF of SHL/SHR
// not past the operand width, CF of RCL/RCR only when the rotation is not a whole turn.
uint64_t shift_writes(ZydisMnemonic m, unsigned size, unsigned count) {
    unsigned const bits = size * 8;
    if (count == 0)
        return 0;
    uint64_t const of = count == 1 ? OF : 0;
    switch (m) {
    case ZYDIS_MNEMONIC_SHL:
    case ZYDIS_MNEMONIC_SHR:
        return SF | ZF | PF | of | (count < bits ? CF : 0);
    case ZYDIS_MNEMONIC_SAR:
        return SF | ZF | PF | CF | of;
    case ZYDIS_MNEMONIC_RCL:
    case ZYDIS_MNEMONIC_RCR:
        return (size >= 4 || count % (bits + 1) != 0) ? CF | of : 0;
    default: // ROL, ROR
        return CF | of;
    }
}

Recipe shift(Insn const& insn, ZydisMnemonic m) {
    Operand const& count = insn.op[1];
    if (!reg_or_mem(insn.op[0]) || !(is(count, OpKind::Imm) || is(count, OpKind::Gpr)))
        return {};
    uint64_t const reads = (m == ZYDIS_MNEMONIC_RCL || m == ZYDIS_MNEMONIC_RCR) ? CF : 0;
    // A count in CL may be 0, which changes no flag: the flags it may write are live inputs.
    uint64_t const writes =
        is(count, OpKind::Gpr)
            ? 0
            : shift_writes(m, insn.op[0].size,
                           static_cast<unsigned>(insn.imm) & count_mask(insn.op[0].size));
    return make(Kind::Shift, insn, reads, writes);
}

Recipe double_shift(Insn const& insn) {
    // 16-bit SHLD/SHRD by more than 16 is undefined; the interpreter's choice stays.
    unsigned const size = insn.op[0].size;
    if (!is(insn.op[0], OpKind::Gpr) || !is(insn.op[1], OpKind::Gpr) || size < 4)
        return {};
    if (is(insn.op[2], OpKind::Gpr))
        return make(Kind::DoubleShift, insn);
    unsigned const count = static_cast<unsigned>(insn.imm) & count_mask(size);
    uint64_t const writes = count == 0 ? 0 : (CF | SF | ZF | PF | (count == 1 ? OF : 0));
    return make(Kind::DoubleShift, insn, 0, writes);
}

Recipe multiply(Insn const& insn) {
    unsigned const n = operand_count(insn);
    if (n == 1 && reg_or_mem(insn.op[0]))
        return make(Kind::MulWide, insn, 0, CF | OF);
    if (n >= 2 && is(insn.op[0], OpKind::Gpr) && reg_or_mem(insn.op[1]) &&
        (n == 2 || is(insn.op[2], OpKind::Imm)))
        return make(Kind::Imul, insn, 0, CF | OF);
    return {};
}

Recipe alu(Insn const& insn, ZydisMnemonic m) {
    if (!reg_or_mem(insn.op[0]) || is(insn.op[1], OpKind::None))
        return {};
    if (is(insn.op[0], OpKind::Mem) && locked(insn))
        return {};
    uint64_t const reads = (m == ZYDIS_MNEMONIC_ADC || m == ZYDIS_MNEMONIC_SBB) ? CF : 0;
    // AND, OR, XOR and TEST leave AF undefined; Intel and AMD processors clear it, as the
    // interpreter does, so the host's value is the guest's.
    return make(Kind::Alu, insn, reads, kAll);
}

Recipe unary(Insn const& insn, ZydisMnemonic m) {
    if (!reg_or_mem(insn.op[0]) || (is(insn.op[0], OpKind::Mem) && locked(insn)))
        return {};
    switch (m) {
    case ZYDIS_MNEMONIC_INC:
    case ZYDIS_MNEMONIC_DEC:
        return make(Kind::Unary, insn, 0, kAll & ~CF); // CF is kept (SDM Vol. 2A "INC")
    case ZYDIS_MNEMONIC_NEG:
        return make(Kind::Unary, insn, 0, kAll);
    default:
        return make(Kind::Unary, insn);
    }
}

Recipe stack_or_branch(Insn const& insn, ZydisMnemonic m) {
    Operand const& op = insn.op[0];
    bool const wide = insn.operand_size == 8;
    Recipe recipe;
    switch (m) {
    case ZYDIS_MNEMONIC_PUSH:
        if ((is(op, OpKind::Gpr) || is(op, OpKind::Imm)) &&
            (insn.operand_size == 8 || insn.operand_size == 2))
            recipe = make(Kind::Push, insn);
        break;
    case ZYDIS_MNEMONIC_POP:
        if (is(op, OpKind::Gpr) && (op.size == 8 || op.size == 2))
            recipe = make(Kind::Pop, insn);
        break;
    case ZYDIS_MNEMONIC_JMP:
        if (wide && is(op, OpKind::Imm))
            recipe = make(Kind::Jmp, insn);
        else if (wide && reg_or_mem(op) && op.size == 8)
            recipe = make(Kind::JmpIndirect, insn);
        break;
    case ZYDIS_MNEMONIC_CALL:
        if (wide && is(op, OpKind::Imm))
            recipe = make(Kind::Call, insn);
        else if (wide && reg_or_mem(op) && op.size == 8)
            recipe = make(Kind::CallIndirect, insn);
        break;
    case ZYDIS_MNEMONIC_RET:
        if (wide && (is(op, OpKind::None) || is(op, OpKind::Imm)))
            recipe = make(Kind::Ret, insn);
        break;
    default:
        break;
    }
    // Every stack access goes through the TLB.
    if (recipe.kind != Kind::Helper && recipe.kind != Kind::Jmp)
        recipe.memory = true;
    return recipe;
}

Recipe conditional(Insn const& insn) {
    if (int const cc = condition_index(insn.mnemonic, kJccMnemonics); cc >= 0) {
        if (insn.operand_size != 8 || !is(insn.op[0], OpKind::Imm))
            return {};
        Recipe recipe = make(Kind::Jcc, insn, kConditionFlags[cc >> 1]);
        recipe.cc = static_cast<uint8_t>(cc);
        return recipe;
    }
    if (int const cc = condition_index(insn.mnemonic, kSetccMnemonics); cc >= 0) {
        Recipe recipe = make(Kind::Setcc, insn, kConditionFlags[cc >> 1]);
        recipe.cc = static_cast<uint8_t>(cc);
        return recipe;
    }
    if (int const cc = condition_index(insn.mnemonic, kCmovccMnemonics); cc >= 0) {
        Recipe recipe = make(Kind::Cmov, insn, kConditionFlags[cc >> 1]);
        recipe.cc = static_cast<uint8_t>(cc);
        return recipe;
    }
    return {};
}

Recipe classify(Insn const& insn) {
    auto const m = static_cast<ZydisMnemonic>(insn.mnemonic);
    Operand const* op = insn.op;
    switch (m) {
    case ZYDIS_MNEMONIC_MOV:
        return reg_or_mem(op[0]) && (reg_or_mem(op[1]) || is(op[1], OpKind::Imm))
                   ? make(Kind::Mov, insn)
                   : Recipe{};
    case ZYDIS_MNEMONIC_MOVZX:
    case ZYDIS_MNEMONIC_MOVSX:
    case ZYDIS_MNEMONIC_MOVSXD:
        return is(op[0], OpKind::Gpr) && reg_or_mem(op[1]) ? make(Kind::Extend, insn) : Recipe{};
    case ZYDIS_MNEMONIC_LEA:
        return is(op[0], OpKind::Gpr) && is(op[1], OpKind::Mem) ? Recipe{Kind::Lea, 0, false, 0, 0}
                                                                : Recipe{};
    case ZYDIS_MNEMONIC_XCHG:
        return is(op[0], OpKind::Gpr) && is(op[1], OpKind::Gpr) ? make(Kind::Xchg, insn) : Recipe{};
    case ZYDIS_MNEMONIC_ADD:
    case ZYDIS_MNEMONIC_OR:
    case ZYDIS_MNEMONIC_ADC:
    case ZYDIS_MNEMONIC_SBB:
    case ZYDIS_MNEMONIC_AND:
    case ZYDIS_MNEMONIC_SUB:
    case ZYDIS_MNEMONIC_XOR:
    case ZYDIS_MNEMONIC_CMP:
    case ZYDIS_MNEMONIC_TEST:
        return alu(insn, m);
    case ZYDIS_MNEMONIC_INC:
    case ZYDIS_MNEMONIC_DEC:
    case ZYDIS_MNEMONIC_NEG:
    case ZYDIS_MNEMONIC_NOT:
        return unary(insn, m);
    case ZYDIS_MNEMONIC_SHL:
    case ZYDIS_MNEMONIC_SHR:
    case ZYDIS_MNEMONIC_SAR:
    case ZYDIS_MNEMONIC_ROL:
    case ZYDIS_MNEMONIC_ROR:
    case ZYDIS_MNEMONIC_RCL:
    case ZYDIS_MNEMONIC_RCR:
        return shift(insn, m);
    case ZYDIS_MNEMONIC_SHLD:
    case ZYDIS_MNEMONIC_SHRD:
        return double_shift(insn);
    case ZYDIS_MNEMONIC_MUL:
    case ZYDIS_MNEMONIC_IMUL:
        return multiply(insn);
    case ZYDIS_MNEMONIC_BT:
    case ZYDIS_MNEMONIC_BTS:
    case ZYDIS_MNEMONIC_BTR:
    case ZYDIS_MNEMONIC_BTC:
        // Memory forms address a bit string beyond the operand: the interpreter does those.
        return is(op[0], OpKind::Gpr) && (is(op[1], OpKind::Gpr) || is(op[1], OpKind::Imm))
                   ? make(Kind::BitTest, insn, 0, CF)
                   : Recipe{};
    case ZYDIS_MNEMONIC_BSWAP:
        return is(op[0], OpKind::Gpr) && op[0].size >= 4 ? make(Kind::Bswap, insn) : Recipe{};
    case ZYDIS_MNEMONIC_POPCNT:
        return is(op[0], OpKind::Gpr) && reg_or_mem(op[1]) ? make(Kind::Popcnt, insn, 0, kAll)
                                                           : Recipe{};
    case ZYDIS_MNEMONIC_CBW:
    case ZYDIS_MNEMONIC_CWDE:
    case ZYDIS_MNEMONIC_CDQE:
    case ZYDIS_MNEMONIC_CWD:
    case ZYDIS_MNEMONIC_CDQ:
    case ZYDIS_MNEMONIC_CQO:
        return make(Kind::Accumulator, insn);
    case ZYDIS_MNEMONIC_CLC:
    case ZYDIS_MNEMONIC_STC:
        return make(Kind::CarryFlag, insn, 0, CF);
    case ZYDIS_MNEMONIC_CMC:
        return make(Kind::CarryFlag, insn, CF, CF);
    case ZYDIS_MNEMONIC_PUSH:
    case ZYDIS_MNEMONIC_POP:
    case ZYDIS_MNEMONIC_JMP:
    case ZYDIS_MNEMONIC_CALL:
    case ZYDIS_MNEMONIC_RET:
        return stack_or_branch(insn, m);
    default:
        return conditional(insn);
    }
}

// VIREO_EMU_JIT_NATIVE=<hex mask of Kind values> limits native patterns to those kinds (the
// others become helper calls): a debugging aid that bisects a miscompiled pattern.
uint64_t native_kinds() {
    static uint64_t const mask = [] {
        char const* value = std::getenv("VIREO_EMU_JIT_NATIVE");
        return value != nullptr ? std::strtoull(value, nullptr, 16) : ~uint64_t{0};
    }();
    return mask;
}

} // namespace

Recipe recipe_for(Insn const& insn) {
    if (insn.handler == nop_handler())
        return Recipe{Kind::Nop, 0, false, 0, 0};
    if (!standard(insn))
        return {};
    Recipe recipe = classify(insn);
    if (recipe.kind == Kind::Setcc && !(reg_or_mem(insn.op[0]) && insn.op[0].size == 1))
        return {};
    if (recipe.kind == Kind::Cmov && !(is(insn.op[0], OpKind::Gpr) && reg_or_mem(insn.op[1])))
        return {};
    if ((native_kinds() & (uint64_t{1} << static_cast<unsigned>(recipe.kind))) == 0)
        recipe = Recipe{};
    if (recipe.kind == Kind::Helper)
        recipe.reads = recipe.writes = 0;
    return recipe;
}

bool is_branch(Kind kind) {
    switch (kind) {
    case Kind::Jmp:
    case Kind::Jcc:
    case Kind::Call:
    case Kind::Ret:
    case Kind::JmpIndirect:
    case Kind::CallIndirect:
        return true;
    default:
        return false;
    }
}

} // namespace vireo::emu::jit
