// Integer templates: ALU, shifts and rotates, bit instructions, multiply and divide, moves,
// flag instructions. Flag effects come from Zydis except where the count of a shift or
// rotate decides them (Intel SDM Vol. 2B "SAL/SAR/SHL/SHR", "RCL/RCR/ROL/ROR",
// Vol. 2B "SHLD", "SHRD"), which the templates know because they choose the count.
#include <algorithm>

#include "templates.h"

namespace vireo::difftest {

namespace {

// Template options of the binary shape.
enum BinaryOption : uint8_t {
    kReadsOnly = 1 << 0, // CMP, TEST: the destination is only read (may even be RSP)
    kNoImmediate = 1 << 1,
    kNoRegFromMem = 1 << 2, // no "op reg, mem" form (TEST, XADD, CMPXCHG)
    kBothWritten = 1 << 3,  // XCHG, XADD: both operands are written
};

// A general-purpose register operand of `bytes`; one byte sometimes means AH..BH.
ZydisEncoderOperand reg_operand(Builder& b, unsigned number, unsigned bytes) {
    bool const high = bytes == 1 && number < 4 && b.rng().chance(25);
    return reg(gpr(number, bytes, high));
}

unsigned dest_or_any(Builder& b, bool reads_only) {
    return reads_only ? b.pick_source() : b.pick_dest();
}

void binary(Builder& b, Template const& t) {
    unsigned const size = pick_size(b, t.sizes);
    bool const reads_only = (t.option & kReadsOnly) != 0;
    bool const both = (t.option & kBothWritten) != 0;
    unsigned const dest = dest_or_any(b, reads_only);
    unsigned const src = both ? b.pick_dest() : b.pick_source();
    MemRequest request{size, 1, reads_only ? MemUse::Load : MemUse::LoadStore};
    switch (b.rng().below(5)) {
    case 0:
        b.emit(make_request(t.mnemonic, {reg_operand(b, dest, size), reg_operand(b, src, size)}));
        break;
    case 1:
        if (t.option & kNoRegFromMem)
            return b.fail();
        request.use = MemUse::Load;
        b.emit(make_request(t.mnemonic, {reg_operand(b, dest, size), b.memory(request)}));
        break;
    case 2:
        b.emit(make_request(t.mnemonic, {b.memory(request), reg_operand(b, src, size)}));
        break;
    case 3:
        if (t.option & kNoImmediate)
            return b.fail();
        b.emit(make_request(t.mnemonic,
                            {reg_operand(b, dest, size), imm(b.immediate(std::min(size, 4U)))}));
        break;
    default:
        if (t.option & kNoImmediate)
            return b.fail();
        b.emit(make_request(t.mnemonic, {b.memory(request), imm(b.immediate(std::min(size, 4U)))}));
        break;
    }
}

// An r/m operand: a register the group may write, or memory.
ZydisEncoderOperand rm_operand(Builder& b, unsigned size, MemUse use, unsigned* reg_number) {
    if (b.rng().chance(60)) {
        unsigned const number = b.pick_dest();
        if (reg_number != nullptr)
            *reg_number = number;
        return reg_operand(b, number, size);
    }
    if (reg_number != nullptr)
        *reg_number = 16;
    return b.memory({size, 1, use});
}

void unary(Builder& b, Template const& t) {
    unsigned const size = pick_size(b, t.sizes);
    b.emit(make_request(t.mnemonic, {rm_operand(b, size, MemUse::LoadStore, nullptr)}));
}

void no_operands(Builder& b, Template const& t) {
    b.emit(make_request(t.mnemonic, {}));
}

// --- shifts and rotates ------------------------------------------------------------------

bool is_rotate(ZydisMnemonic m) {
    return m == ZYDIS_MNEMONIC_ROL || m == ZYDIS_MNEMONIC_ROR || m == ZYDIS_MNEMONIC_RCL ||
           m == ZYDIS_MNEMONIC_RCR;
}

// The flag effects of a shift or rotate by `count` (before masking) of a `size`-byte operand.
EffectOverride shift_effects(ZydisMnemonic m, unsigned size, unsigned count) {
    unsigned const masked = count & (size == 8 ? 0x3f : 0x1f);
    if (masked == 0) // "If the count is 0, the flags are not affected."
        return {};
    uint32_t const of = masked == 1 ? kFlagOf : 0; // OF is defined for 1-bit shifts only
    if (is_rotate(m))
        return {kFlagCf | of, kFlagOf & ~of};
    uint32_t written = kFlagCf | kFlagPf | kFlagZf | kFlagSf | of;
    uint32_t undefined = kFlagAf | (kFlagOf & ~of);
    // SHL/SHR: "CF is undefined where the count is greater than or equal to the size (in
    // bits) of the destination operand."
    if (m != ZYDIS_MNEMONIC_SAR && masked >= size * 8) {
        written &= ~kFlagCf;
        undefined |= kFlagCf;
    }
    return {written, undefined};
}

unsigned shift_count(Builder& b, unsigned size) {
    switch (b.rng().below(4)) {
    case 0:
        return 1;
    case 1:
        return static_cast<unsigned>(b.rng().below(size * 8 + 1));
    case 2:
        return static_cast<unsigned>(b.rng().below(256)); // masked by the processor
    default:
        return static_cast<unsigned>(b.rng().below(8));
    }
}

void shift(Builder& b, Template const& t) {
    unsigned const size = pick_size(b, t.sizes);
    unsigned const count = shift_count(b, size);
    bool const by_cl = b.rng().chance(40);
    if (by_cl)
        b.reserve(1); // RCX
    ZydisEncoderOperand const dest = rm_operand(b, size, MemUse::LoadStore, nullptr);
    if (by_cl) {
        // CL is the count; the rest of RCX is noise the processor must ignore.
        b.set_register(1, (b.value() & ~0xffULL) | count);
        b.emit(make_request(t.mnemonic, {dest, reg(ZYDIS_REGISTER_CL)}),
               shift_effects(t.mnemonic, size, count));
        return;
    }
    b.emit(make_request(t.mnemonic, {dest, imm(count)}), shift_effects(t.mnemonic, size, count));
}

void double_shift(Builder& b, Template const& t) {
    unsigned const size = pick_size(b, t.sizes);
    // "If the count operand is greater than the operand size, the result is undefined" (only
    // reachable with 16-bit operands, where the count is masked to 5 bits).
    unsigned count = static_cast<unsigned>(b.rng().below(size == 8 ? 64 : 32));
    if (size == 2 && count > 16)
        count = 16;
    unsigned const masked = count & (size == 8 ? 0x3f : 0x1f);
    EffectOverride effects{};
    if (masked != 0) {
        uint32_t const of = masked == 1 ? kFlagOf : 0;
        effects = {kFlagCf | kFlagPf | kFlagZf | kFlagSf | of, kFlagAf | (kFlagOf & ~of)};
    }
    bool const by_cl = b.rng().chance(40);
    if (by_cl)
        b.reserve(1);
    unsigned const src = b.pick_source();
    ZydisEncoderOperand const dest = rm_operand(b, size, MemUse::LoadStore, nullptr);
    if (by_cl) {
        b.set_register(1, (b.value() & ~0xffULL) | count);
        b.emit(make_request(t.mnemonic, {dest, reg(gpr(src, size)), reg(ZYDIS_REGISTER_CL)}),
               effects);
        return;
    }
    b.emit(make_request(t.mnemonic, {dest, reg(gpr(src, size)), imm(count)}), effects);
}

// --- bit instructions --------------------------------------------------------------------

void bit_test(Builder& b, Template const& t) {
    unsigned const size = pick_size(b, t.sizes);
    MemUse const use = t.mnemonic == ZYDIS_MNEMONIC_BT ? MemUse::Load : MemUse::LoadStore;
    if (b.rng().chance(50)) { // immediate bit offset: taken modulo the operand width
        ZydisEncoderOperand const dest = rm_operand(b, size, use, nullptr);
        b.emit(make_request(t.mnemonic, {dest, imm(static_cast<int64_t>(b.rng().below(256)))}));
        return;
    }
    unsigned const offset = b.pick_dest();
    b.reserve(offset);
    if (b.rng().chance(50)) { // register bit string: the offset is taken modulo the width
        unsigned const dest = b.pick_dest();
        b.emit(make_request(t.mnemonic, {reg(gpr(dest, size)), reg(gpr(offset, size))}));
        return;
    }
    // A memory bit string: the signed offset selects a bit up to 32 bytes either side.
    constexpr int kBitReach = 255;
    ZydisEncoderOperand const dest = b.memory({size, 1, use, kBitReach / 8 + 8});
    b.set_register(offset, static_cast<uint64_t>(b.rng().between(-kBitReach, kBitReach)));
    b.emit(make_request(t.mnemonic, {dest, reg(gpr(offset, size))}));
}

// BSF/BSR leave the destination undefined for a zero source (Intel SDM Vol. 2A "BSF"): a
// bit is set in the source first.
void bit_scan(Builder& b, Template const& t) {
    unsigned const size = pick_size(b, t.sizes);
    unsigned const dest = b.pick_dest();
    int64_t const bit = 1LL << b.rng().below(std::min(size * 8, 31U));
    if (b.rng().chance(50)) {
        unsigned const src = b.pick_dest();
        b.emit(make_request(ZYDIS_MNEMONIC_OR, {reg(gpr(src, size)), imm(bit)}));
        b.emit(make_request(t.mnemonic, {reg(gpr(dest, size)), reg(gpr(src, size))}));
        return;
    }
    ZydisEncoderOperand const src = b.memory({size, 1, MemUse::LoadStore});
    b.emit(make_request(ZYDIS_MNEMONIC_OR, {src, imm(bit)}));
    b.emit(make_request(t.mnemonic, {reg(gpr(dest, size)), src}));
}

void bswap(Builder& b, Template const& t) {
    unsigned const size = b.rng().chance(50) ? 4 : 8; // BSWAP r16 is undefined
    b.emit(make_request(t.mnemonic, {reg(gpr(b.pick_dest(), size))}));
}

// op reg, r/m with the source `option` bytes wide (0: same as the destination).
void reg_rm(Builder& b, Template const& t) {
    unsigned size = pick_size(b, t.sizes);
    unsigned const src_size = t.option != 0 ? t.option : size;
    if (src_size >= size && t.option != 0)
        size = src_size == 1 ? 2 : 8; // MOVZX/MOVSX widen; MOVSXD goes to 64 bits
    unsigned const dest = b.pick_dest();
    ZydisEncoderOperand src = reg_operand(b, b.pick_source(), src_size);
    if (b.rng().chance(45))
        src = b.memory({src_size, 1, MemUse::Load});
    b.emit(make_request(t.mnemonic, {reg(gpr(dest, size)), src}));
}

void cmovcc(Builder& b, Template const& t) {
    Template const concrete{t.cls, nullptr,
                            cmovcc_mnemonic(static_cast<unsigned>(b.rng().below(16))), t.sizes};
    reg_rm(b, concrete);
}

void setcc(Builder& b, Template const&) {
    ZydisMnemonic const m = setcc_mnemonic(static_cast<unsigned>(b.rng().below(16)));
    b.emit(make_request(m, {rm_operand(b, 1, MemUse::Store, nullptr)}));
}

void imul3(Builder& b, Template const& t) {
    unsigned const size = pick_size(b, t.sizes);
    ZydisEncoderOperand src = reg(gpr(b.pick_source(), size));
    if (b.rng().chance(45))
        src = b.memory({size, 1, MemUse::Load});
    b.emit(make_request(
        t.mnemonic, {reg(gpr(b.pick_dest(), size)), src, imm(b.immediate(std::min(size, 4U)))}));
}

// CBW, CWD, CDQ, CQO: the dividend of a signed division of `size` bytes from RAX alone.
ZydisMnemonic sign_extend_rax(unsigned size) {
    switch (size) {
    case 1:
        return ZYDIS_MNEMONIC_CBW;
    case 2:
        return ZYDIS_MNEMONIC_CWD;
    case 4:
        return ZYDIS_MNEMONIC_CDQ;
    default:
        return ZYDIS_MNEMONIC_CQO;
    }
}

// MUL/IMUL/DIV/IDIV r/m with RDX:RAX. A division gets a non-zero divisor and a dividend
// whose quotient fits (RDX cleared or sign-extended from RAX), except sometimes, when #DE is
// the expected result.
void mul_div(Builder& b, Template const& t) {
    unsigned const size = pick_size(b, t.sizes);
    b.reserve(0);
    b.reserve(2);
    ZydisEncoderOperand const src = rm_operand(b, size, MemUse::LoadStore, nullptr);
    bool const divide = t.mnemonic == ZYDIS_MNEMONIC_DIV || t.mnemonic == ZYDIS_MNEMONIC_IDIV;
    if (divide && b.rng().chance(95)) {
        int64_t const bit = 1LL << b.rng().below(std::min(size * 8, 31U));
        b.emit(make_request(ZYDIS_MNEMONIC_OR, {src, imm(bit)}));
        if (t.mnemonic == ZYDIS_MNEMONIC_DIV && size == 1)
            b.emit(make_request(ZYDIS_MNEMONIC_MOVZX,
                                {reg(ZYDIS_REGISTER_EAX), reg(ZYDIS_REGISTER_AL)}));
        else if (t.mnemonic == ZYDIS_MNEMONIC_DIV)
            b.emit(make_request(ZYDIS_MNEMONIC_XOR,
                                {reg(ZYDIS_REGISTER_EDX), reg(ZYDIS_REGISTER_EDX)}));
        else
            b.emit(make_request(sign_extend_rax(size), {}));
    }
    b.emit(make_request(t.mnemonic, {src}));
}

// --- moves -------------------------------------------------------------------------------

void mov_imm64(Builder& b, Template const& t) {
    b.emit(make_request(t.mnemonic,
                        {reg(gpr(b.pick_dest(), 8)), imm(static_cast<int64_t>(b.value()))}));
}

// An address expression that is computed but never accessed (LEA, multi-byte NOP): any
// registers, any displacement, 64- or 32-bit address size.
ZydisEncoderOperand unchecked_address(Builder& b, unsigned bytes) {
    unsigned const width = b.rng().chance(25) ? 4 : 8;
    ZydisRegister base = b.rng().chance(15) ? ZYDIS_REGISTER_NONE : gpr(b.pick_source(), width);
    if (width == 8 && b.rng().chance(10))
        base = ZYDIS_REGISTER_RIP;
    ZydisRegister index = ZYDIS_REGISTER_NONE;
    unsigned const index_number = b.pick_source();
    if (base != ZYDIS_REGISTER_RIP && index_number != kRsp && b.rng().chance(60))
        index = gpr(index_number, width);
    uint8_t const scale = b.rng().pick<uint8_t>({1, 2, 4, 8});
    int64_t const disp = b.rng().chance(50) ? b.rng().between(-128, 127)
                                            : b.rng().between(-(1LL << 31), (1LL << 31) - 1);
    int64_t const rip_disp = static_cast<int64_t>(kCodeAddress) + b.rng().between(0, 0x10000);
    return mem(base, index, scale, base == ZYDIS_REGISTER_RIP ? rip_disp : disp,
               static_cast<uint16_t>(bytes));
}

void lea(Builder& b, Template const& t) {
    unsigned const size = pick_size(b, t.sizes);
    b.emit(make_request(t.mnemonic, {reg(gpr(b.pick_dest(), size)), unchecked_address(b, size)}));
}

void nop_rm(Builder& b, Template const& t) {
    unsigned const size = b.rng().chance(50) ? 4 : 2;
    b.emit(make_request(t.mnemonic, {unchecked_address(b, size)}));
}

// XLAT: AL = [RBX + AL].
void xlat(Builder& b, Template const& t) {
    b.reserve(3);
    b.set_register(3, b.buffer_address(0, 256));
    b.emit(make_request(t.mnemonic, {}));
}

constexpr Template kTemplates[] = {
    // ALU (Intel SDM Vol. 2A/2B: ADD, OR, ADC, SBB, AND, SUB, XOR, CMP, TEST, INC...)
    {InsnClass::Alu, binary, ZYDIS_MNEMONIC_ADD, kSAll},
    {InsnClass::Alu, binary, ZYDIS_MNEMONIC_OR, kSAll},
    {InsnClass::Alu, binary, ZYDIS_MNEMONIC_ADC, kSAll},
    {InsnClass::Alu, binary, ZYDIS_MNEMONIC_SBB, kSAll},
    {InsnClass::Alu, binary, ZYDIS_MNEMONIC_AND, kSAll},
    {InsnClass::Alu, binary, ZYDIS_MNEMONIC_SUB, kSAll},
    {InsnClass::Alu, binary, ZYDIS_MNEMONIC_XOR, kSAll},
    {InsnClass::Alu, binary, ZYDIS_MNEMONIC_CMP, kSAll, kReadsOnly},
    {InsnClass::Alu, binary, ZYDIS_MNEMONIC_TEST, kSAll, kReadsOnly | kNoRegFromMem},
    {InsnClass::Alu, unary, ZYDIS_MNEMONIC_INC, kSAll},
    {InsnClass::Alu, unary, ZYDIS_MNEMONIC_DEC, kSAll},
    {InsnClass::Alu, unary, ZYDIS_MNEMONIC_NEG, kSAll},
    {InsnClass::Alu, unary, ZYDIS_MNEMONIC_NOT, kSAll},
    // Shifts and rotates
    {InsnClass::Shift, shift, ZYDIS_MNEMONIC_SHL, kSAll},
    {InsnClass::Shift, shift, ZYDIS_MNEMONIC_SHR, kSAll},
    {InsnClass::Shift, shift, ZYDIS_MNEMONIC_SAR, kSAll},
    {InsnClass::Shift, shift, ZYDIS_MNEMONIC_ROL, kSAll},
    {InsnClass::Shift, shift, ZYDIS_MNEMONIC_ROR, kSAll},
    {InsnClass::Shift, shift, ZYDIS_MNEMONIC_RCL, kSAll},
    {InsnClass::Shift, shift, ZYDIS_MNEMONIC_RCR, kSAll},
    {InsnClass::Shift, double_shift, ZYDIS_MNEMONIC_SHLD, kS248},
    {InsnClass::Shift, double_shift, ZYDIS_MNEMONIC_SHRD, kS248},
    // Bit instructions
    {InsnClass::Bits, bit_test, ZYDIS_MNEMONIC_BT, kS248},
    {InsnClass::Bits, bit_test, ZYDIS_MNEMONIC_BTS, kS248},
    {InsnClass::Bits, bit_test, ZYDIS_MNEMONIC_BTR, kS248},
    {InsnClass::Bits, bit_test, ZYDIS_MNEMONIC_BTC, kS248},
    {InsnClass::Bits, bit_scan, ZYDIS_MNEMONIC_BSF, kS248},
    {InsnClass::Bits, bit_scan, ZYDIS_MNEMONIC_BSR, kS248},
    {InsnClass::Bits, reg_rm, ZYDIS_MNEMONIC_POPCNT, kS248},
    {InsnClass::Bits, bswap, ZYDIS_MNEMONIC_BSWAP, kS4 | kS8},
    // Multiply and divide
    {InsnClass::MulDiv, mul_div, ZYDIS_MNEMONIC_MUL, kSAll},
    {InsnClass::MulDiv, mul_div, ZYDIS_MNEMONIC_IMUL, kSAll},
    {InsnClass::MulDiv, mul_div, ZYDIS_MNEMONIC_DIV, kSAll},
    {InsnClass::MulDiv, mul_div, ZYDIS_MNEMONIC_IDIV, kSAll},
    {InsnClass::MulDiv, reg_rm, ZYDIS_MNEMONIC_IMUL, kS248},
    {InsnClass::MulDiv, imul3, ZYDIS_MNEMONIC_IMUL, kS248},
    // Moves
    {InsnClass::Move, binary, ZYDIS_MNEMONIC_MOV, kSAll},
    {InsnClass::Move, mov_imm64, ZYDIS_MNEMONIC_MOV, kS8},
    {InsnClass::Move, reg_rm, ZYDIS_MNEMONIC_MOVZX, kS248, 1},
    {InsnClass::Move, reg_rm, ZYDIS_MNEMONIC_MOVZX, kS4 | kS8, 2},
    {InsnClass::Move, reg_rm, ZYDIS_MNEMONIC_MOVSX, kS248, 1},
    {InsnClass::Move, reg_rm, ZYDIS_MNEMONIC_MOVSX, kS4 | kS8, 2},
    {InsnClass::Move, reg_rm, ZYDIS_MNEMONIC_MOVSXD, kS8, 4},
    {InsnClass::Move, binary, ZYDIS_MNEMONIC_XCHG, kSAll, kNoImmediate | kBothWritten},
    {InsnClass::Move, cmovcc, ZYDIS_MNEMONIC_CMOVZ, kS248},
    {InsnClass::Move, setcc, ZYDIS_MNEMONIC_SETZ, kS1},
    {InsnClass::Move, lea, ZYDIS_MNEMONIC_LEA, kS248},
    {InsnClass::Move, nop_rm, ZYDIS_MNEMONIC_NOP},
    {InsnClass::Move, no_operands, ZYDIS_MNEMONIC_NOP},
    {InsnClass::Move, no_operands, ZYDIS_MNEMONIC_CBW},
    {InsnClass::Move, no_operands, ZYDIS_MNEMONIC_CWDE},
    {InsnClass::Move, no_operands, ZYDIS_MNEMONIC_CDQE},
    {InsnClass::Move, no_operands, ZYDIS_MNEMONIC_CWD},
    {InsnClass::Move, no_operands, ZYDIS_MNEMONIC_CDQ},
    {InsnClass::Move, no_operands, ZYDIS_MNEMONIC_CQO},
    {InsnClass::Move, xlat, ZYDIS_MNEMONIC_XLAT},
    // Flags
    {InsnClass::Flags, no_operands, ZYDIS_MNEMONIC_CLC},
    {InsnClass::Flags, no_operands, ZYDIS_MNEMONIC_STC},
    {InsnClass::Flags, no_operands, ZYDIS_MNEMONIC_CMC},
    {InsnClass::Flags, no_operands, ZYDIS_MNEMONIC_CLD},
    {InsnClass::Flags, no_operands, ZYDIS_MNEMONIC_STD},
    {InsnClass::Flags, no_operands, ZYDIS_MNEMONIC_LAHF},
    {InsnClass::Flags, no_operands, ZYDIS_MNEMONIC_SAHF},
};

} // namespace

unsigned pick_size(Builder& b, uint8_t sizes) {
    if ((sizes & kSAll) == 0)
        return 8;
    for (;;) {
        unsigned const bit = static_cast<unsigned>(b.rng().below(4));
        if (sizes & (1U << bit))
            return 1U << bit;
    }
}

std::span<Template const> integer_templates() {
    return kTemplates;
}

} // namespace vireo::difftest
