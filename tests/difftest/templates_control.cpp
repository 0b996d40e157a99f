// Templates that move RSP or RIP, or that touch memory implicitly: the stack (PUSH/POP,
// PUSHF/POPF, CALL/RET, ENTER/LEAVE), forward branches, string instructions and atomics.
// Branches and string instructions are written as raw bytes (Intel SDM Vol. 2 opcode maps),
// which keeps their length fixed before their target is known and their prefixes in the
// order chosen.
#include <algorithm>
#include <optional>
#include <vector>

#include "templates.h"

namespace vireo::difftest {

namespace {

constexpr uint8_t kRexW = 0x48;
constexpr uint8_t kRexB = 0x41;
constexpr uint8_t kOperandSize = 0x66; // Intel SDM Vol. 2A 2.1.1, prefix group 3
constexpr uint8_t kAddressSize = 0x67; // group 4
constexpr uint8_t kRep = 0xf3;
constexpr uint8_t kRepne = 0xf2;

// --- stack -------------------------------------------------------------------------------

// PUSH imm: the operand size cannot be told from an immediate, so it is given as a hint.
ZydisEncoderRequest push_immediate(int64_t value, unsigned size) {
    ZydisEncoderRequest request = make_request(ZYDIS_MNEMONIC_PUSH, {imm(value)});
    request.operand_size_hint = size == 2 ? ZYDIS_OPERAND_SIZE_HINT_16 : ZYDIS_OPERAND_SIZE_HINT_64;
    return request;
}

void push(Builder& b, Template const& t) {
    unsigned const size = b.rng().chance(85) ? 8 : 2;
    if (!b.stack_room(-static_cast<int>(size)))
        return b.fail();
    switch (b.rng().below(3)) {
    case 0:
        b.emit(make_request(t.mnemonic, {reg(gpr(b.pick_source(), size))}));
        break;
    case 1:
        b.emit(make_request(t.mnemonic, {b.memory({size, 1, MemUse::Load})}));
        break;
    default: // PUSH imm8/imm32 (sign-extended) or, with 66h, imm16
        b.emit(push_immediate(b.immediate(size == 2 ? 2 : 4), size));
        break;
    }
    b.move_rsp(-static_cast<int>(size));
}

void pop(Builder& b, Template const& t) {
    unsigned const size = b.rng().chance(85) ? 8 : 2;
    if (!b.stack_room(static_cast<int>(size)))
        return b.fail();
    if (b.rng().chance(60))
        b.emit(make_request(t.mnemonic, {reg(gpr(b.pick_dest(), size))}));
    else // POP [RSP + x] computes its address after incrementing RSP (Intel SDM Vol. 2B "POP")
        b.emit(make_request(t.mnemonic, {b.memory({size, 1, MemUse::Store})}));
    b.move_rsp(static_cast<int>(size));
}

// PUSHF then POP into a register, or a chosen value PUSHed and POPFed. The value sets the
// arithmetic flags and DF at random, and bits POPF must ignore or handle at CPL3: IF and
// IOPL (ignored, IOPL = 0), ID (writable), and rarely AC (alignment checking, CR0.AM is set
// as on Linux). TF and NT are never set: a trap flag would end the program.
void pushf_popf(Builder& b, Template const&) {
    bool const wide = b.rng().chance(80);
    int const size = wide ? 8 : 2;
    if (!b.stack_room(-size))
        return b.fail();
    if (b.rng().chance(40)) {
        b.emit(make_request(wide ? ZYDIS_MNEMONIC_PUSHFQ : ZYDIS_MNEMONIC_PUSHF, {}));
        b.emit(make_request(ZYDIS_MNEMONIC_POP, {reg(gpr(b.pick_dest(), wide ? 8 : 2))}));
        return;
    }
    constexpr uint64_t kIf = 1U << 9, kIopl = 3U << 12, kAc = 1U << 18, kId = 1U << 21;
    uint64_t value = b.rng().next() & (kArithFlags | kFlagDf | kIf | kIopl);
    if (b.rng().chance(30))
        value |= kId;
    if (b.rng().chance(3))
        value |= kAc;
    b.emit(push_immediate(wide ? static_cast<int64_t>(value) : static_cast<int16_t>(value), size));
    b.emit(make_request(wide ? ZYDIS_MNEMONIC_POPFQ : ZYDIS_MNEMONIC_POPF, {}));
}

// CALL to the next instruction, then POP the return address into a register.
void call_pop(Builder& b, Template const&) {
    if (!b.stack_room(-8))
        return b.fail();
    uint8_t const call[] = {0xe8, 0, 0, 0, 0}; // CALL rel32 (Intel SDM Vol. 2A "CALL")
    b.emit_bytes(call);
    b.emit(make_request(ZYDIS_MNEMONIC_POP, {reg(gpr(b.pick_dest(), 8))}));
}

// PUSH the address after a RET, then RET (or RET imm16, which also releases stack bytes).
void push_ret(Builder& b, Template const&) {
    bool const release = b.rng().chance(40);
    uint16_t const extra = release ? static_cast<uint16_t>(b.rng().below(9) * 8) : 0;
    if (!b.stack_room(-8) || !b.stack_room(static_cast<int>(extra)))
        return b.fail();
    unsigned const ret_length = release ? 3 : 1;
    constexpr unsigned kPushImm32Length = 5;
    uint64_t const target = b.address() + kPushImm32Length + ret_length;
    uint8_t const push_imm[] = {
        0x68, static_cast<uint8_t>(target), static_cast<uint8_t>(target >> 8),
        static_cast<uint8_t>(target >> 16), static_cast<uint8_t>(target >> 24)};
    b.emit_bytes(push_imm);
    if (release) {
        uint8_t const ret_imm[] = {0xc2, static_cast<uint8_t>(extra),
                                   static_cast<uint8_t>(extra >> 8)};
        b.emit_bytes(ret_imm);
    } else {
        uint8_t const ret[] = {0xc3};
        b.emit_bytes(ret);
    }
    b.move_rsp(extra);
}

// ENTER size, level then LEAVE. Levels above 1 copy frame pointers from below the old RBP,
// so RBP first points into the stack buffer.
void enter_leave(Builder& b, Template const&) {
    auto const size = static_cast<uint16_t>(b.rng().below(128));
    auto const level = static_cast<uint8_t>(b.rng().below(4));
    if (!b.stack_room(-(size + 8 * (level + 1))))
        return b.fail();
    if (level > 1) {
        b.reserve(5);
        b.set_register(5, b.rsp() - 8 * b.rng().between(0, 32));
    }
    uint8_t const enter[] = {0xc8, static_cast<uint8_t>(size), static_cast<uint8_t>(size >> 8),
                             level};
    uint8_t const leave[] = {0xc9};
    b.emit_bytes(enter);
    b.emit_bytes(leave);
}

// --- forward branches --------------------------------------------------------------------

// Emits a branch whose last `width` bytes are its displacement. (A CMP that defines the
// flags it tests may come first, so the field is located after emission.)
void branch(Builder& b, std::vector<uint8_t> const& bytes, unsigned width) {
    if (!b.emit_bytes(bytes))
        return;
    b.open_branch(b.address() - kCodeAddress - width, width, b.address());
}

void jcc(Builder& b, Template const&) {
    auto const cc = static_cast<uint8_t>(b.rng().below(16));
    if (b.rng().chance(75))
        branch(b, {static_cast<uint8_t>(0x70 | cc), 0}, 1); // Jcc rel8
    else
        branch(b, {0x0f, static_cast<uint8_t>(0x80 | cc), 0, 0, 0, 0}, 4); // Jcc rel32
}

void jmp(Builder& b, Template const&) {
    if (b.rng().chance(75))
        branch(b, {0xeb, 0}, 1);
    else
        branch(b, {0xe9, 0, 0, 0, 0}, 4);
}

// JRCXZ (E3), LOOP (E2), LOOPE (E1), LOOPNE (E0); with 67h they use ECX.
void rcx_branch(Builder& b, Template const& t) {
    std::vector<uint8_t> bytes;
    if (b.rng().chance(25))
        bytes.push_back(kAddressSize);
    bytes.push_back(t.option);
    bytes.push_back(0);
    branch(b, bytes, 1);
}

// LEA reg, [RIP + target]; JMP reg. The LEA's displacement is the branch field.
void jmp_register(Builder& b, Template const&) {
    unsigned const number = b.pick_dest();
    uint8_t const rex_r = number >= 8 ? 0x4c : kRexW;
    auto const modrm_rip = static_cast<uint8_t>(((number & 7) << 3) | 5);
    uint8_t const lea[] = {rex_r, 0x8d, modrm_rip, 0, 0, 0, 0};
    if (!b.emit_bytes(lea))
        return;
    uint64_t const origin = b.address();
    size_t const field = origin - kCodeAddress - 4;
    std::vector<uint8_t> jump;
    if (number >= 8)
        jump.push_back(kRexB);
    jump.push_back(0xff); // JMP r/m64 (FF /4)
    jump.push_back(static_cast<uint8_t>(0xe0 | (number & 7)));
    b.emit_bytes(jump);
    b.open_branch(field, 4, origin);
}

// --- string instructions -----------------------------------------------------------------

enum StringOp : uint8_t { kMovs, kStos, kLods, kCmps, kScas };

struct StringShape {
    uint8_t opcode_byte; // the byte form; +1 is the word/dword/qword form
    bool reads_rsi;
    bool uses_rdi;
    bool compares;
};

constexpr StringShape kStringShapes[] = {
    {0xa4, true, true, false},  // MOVS
    {0xaa, false, true, false}, // STOS
    {0xac, true, false, false}, // LODS
    {0xa6, true, true, true},   // CMPS
    {0xae, false, true, true},  // SCAS
};

void set_string_pointer(Builder& b, unsigned number, unsigned count, unsigned element, bool down,
                        bool address32) {
    unsigned const span = count * element + element;
    uint64_t address = down ? b.buffer_address(span, element) : b.buffer_address(0, span);
    if (!down && count >= 2 && b.rng().chance(3)) // runs off the end: faults part-way
        address = kDataAddress + kDataBytes - element * (count / 2);
    uint64_t const junk = address32 ? b.rng().next() & ~0xffffffffULL : 0;
    b.set_register(number, address | junk);
}

void string_op(Builder& b, Template const& t) {
    StringShape const& shape = kStringShapes[t.option];
    unsigned const element = pick_size(b, kSAll);
    bool const repeat = b.rng().chance(70);
    bool const down = b.rng().chance(40);
    bool const address32 = b.rng().chance(15);
    auto const count = static_cast<unsigned>(repeat ? b.rng().below(17) : 1);
    for (unsigned const number : {0U, 1U, 6U, 7U})
        b.reserve(number);
    b.emit(make_request(down ? ZYDIS_MNEMONIC_STD : ZYDIS_MNEMONIC_CLD, {}));
    if (repeat) // with 67h only ECX counts: the upper half is noise
        b.set_register(1, count | (address32 ? b.rng().next() << 32 : 0));
    if (shape.reads_rsi)
        set_string_pointer(b, 6, count, element, down, address32);
    if (shape.uses_rdi)
        set_string_pointer(b, 7, count, element, down, address32);

    std::vector<uint8_t> bytes;
    if (address32)
        bytes.push_back(kAddressSize);
    if (repeat)
        bytes.push_back(shape.compares && b.rng().chance(50) ? kRepne : kRep);
    if (element == 2)
        bytes.push_back(kOperandSize);
    if (element == 8)
        bytes.push_back(kRexW);
    bytes.push_back(static_cast<uint8_t>(shape.opcode_byte + (element == 1 ? 0 : 1)));
    // A repeated CMPS/SCAS with a count of 0 compares nothing: the count is tested before the
    // first iteration (Intel SDM Vol. 2B "REP/REPE/REPZ/REPNE/REPNZ", Operation), so the flags
    // keep their values, and a flag undefined before stays undefined.
    std::optional<EffectOverride> effects;
    if (shape.compares && repeat && count == 0)
        effects = EffectOverride{};
    b.emit_bytes(bytes, effects);
}

// --- atomics -----------------------------------------------------------------------------

void lock_binary(Builder& b, Template const& t) {
    unsigned const size = pick_size(b, t.sizes);
    ZydisEncoderOperand const dest = b.memory({size, 1, MemUse::LoadStore});
    ZydisEncoderOperand const src =
        b.rng().chance(50) ? imm(b.immediate(std::min(size, 4U))) : reg(gpr(b.pick_source(), size));
    b.emit(make_request(t.mnemonic, {dest, src}, ZYDIS_ATTRIB_HAS_LOCK));
}

void lock_unary(Builder& b, Template const& t) {
    unsigned const size = pick_size(b, t.sizes);
    b.emit(
        make_request(t.mnemonic, {b.memory({size, 1, MemUse::LoadStore})}, ZYDIS_ATTRIB_HAS_LOCK));
}

void lock_bit(Builder& b, Template const& t) {
    unsigned const size = pick_size(b, t.sizes);
    if (b.rng().chance(50)) {
        b.emit(make_request(t.mnemonic,
                            {b.memory({size, 1, MemUse::LoadStore}),
                             imm(static_cast<int64_t>(b.rng().below(size * 8)))},
                            ZYDIS_ATTRIB_HAS_LOCK));
        return;
    }
    unsigned const offset = b.pick_dest();
    b.reserve(offset);
    constexpr int kBitReach = 255;
    ZydisEncoderOperand const dest = b.memory({size, 1, MemUse::LoadStore, kBitReach / 8 + 8});
    b.set_register(offset, static_cast<uint64_t>(b.rng().between(-kBitReach, kBitReach)));
    b.emit(make_request(t.mnemonic, {dest, reg(gpr(offset, size))}, ZYDIS_ATTRIB_HAS_LOCK));
}

// XCHG with memory (locked without a prefix), XADD and CMPXCHG with or without LOCK, or on
// registers. CMPXCHG sometimes loads RAX from the operand first, so that it succeeds.
void exchange(Builder& b, Template const& t) {
    unsigned const size = pick_size(b, t.sizes);
    bool const compare = t.mnemonic == ZYDIS_MNEMONIC_CMPXCHG;
    if (compare)
        b.reserve(0);
    unsigned const src = b.pick_dest();
    if (b.rng().chance(25)) {
        b.emit(make_request(t.mnemonic, {reg(gpr(b.pick_dest(), size)), reg(gpr(src, size))}));
        return;
    }
    ZydisEncoderOperand const dest = b.memory({size, 1, MemUse::LoadStore});
    if (compare && b.rng().chance(50))
        b.emit(make_request(ZYDIS_MNEMONIC_MOV, {reg(gpr(0, size)), dest}));
    bool const lock = t.mnemonic != ZYDIS_MNEMONIC_XCHG && b.rng().chance(70);
    b.emit(make_request(t.mnemonic, {dest, reg(gpr(src, size))}, lock ? ZYDIS_ATTRIB_HAS_LOCK : 0));
}

// CMPXCHG8B / CMPXCHG16B m (EDX:EAX or RDX:RAX against memory, ECX:EBX or RCX:RBX stored).
// CMPXCHG16B needs a 16-byte aligned operand (Intel SDM Vol. 2A "CMPXCHG8B/CMPXCHG16B").
void cmpxchg_wide(Builder& b, Template const& t) {
    unsigned const bytes = t.sizes;
    for (unsigned const number : {0U, 1U, 2U, 3U})
        b.reserve(number);
    ZydisEncoderOperand const dest = b.memory({bytes, bytes == 16 ? 16U : 1U, MemUse::LoadStore});
    if (b.rng().chance(50)) {
        unsigned const half = bytes / 2;
        ZydisEncoderOperand high = dest;
        high.mem.displacement += half;
        high.mem.size = static_cast<uint16_t>(half);
        ZydisEncoderOperand low = dest;
        low.mem.size = static_cast<uint16_t>(half);
        b.emit(make_request(ZYDIS_MNEMONIC_MOV, {reg(gpr(0, half)), low}));
        b.emit(make_request(ZYDIS_MNEMONIC_MOV, {reg(gpr(2, half)), high}));
    }
    b.emit(make_request(t.mnemonic, {dest}, b.rng().chance(70) ? ZYDIS_ATTRIB_HAS_LOCK : 0));
}

constexpr Template kTemplates[] = {
    {InsnClass::Stack, push, ZYDIS_MNEMONIC_PUSH, 0, 0, kChangesRsp},
    {InsnClass::Stack, pop, ZYDIS_MNEMONIC_POP, 0, 0, kChangesRsp},
    {InsnClass::Stack, call_pop, ZYDIS_MNEMONIC_CALL, 0, 0, kChangesRsp},
    {InsnClass::Stack, push_ret, ZYDIS_MNEMONIC_RET, 0, 0, kChangesRsp},
    {InsnClass::Stack, enter_leave, ZYDIS_MNEMONIC_ENTER, 0, 0, kChangesRsp},
    {InsnClass::Flags, pushf_popf, ZYDIS_MNEMONIC_POPFQ, 0, 0, kChangesRsp},
    {InsnClass::Branch, jcc, ZYDIS_MNEMONIC_JZ, 0, 0, kIsBranch},
    {InsnClass::Branch, jcc, ZYDIS_MNEMONIC_JZ, 0, 0, kIsBranch},
    {InsnClass::Branch, jmp, ZYDIS_MNEMONIC_JMP, 0, 0, kIsBranch},
    {InsnClass::Branch, rcx_branch, ZYDIS_MNEMONIC_JRCXZ, 0, 0xe3, kIsBranch},
    {InsnClass::Branch, rcx_branch, ZYDIS_MNEMONIC_LOOP, 0, 0xe2, kIsBranch},
    {InsnClass::Branch, rcx_branch, ZYDIS_MNEMONIC_LOOPE, 0, 0xe1, kIsBranch},
    {InsnClass::Branch, rcx_branch, ZYDIS_MNEMONIC_LOOPNE, 0, 0xe0, kIsBranch},
    {InsnClass::Branch, jmp_register, ZYDIS_MNEMONIC_JMP, 0, 0, kIsBranch},
    {InsnClass::String, string_op, ZYDIS_MNEMONIC_MOVSB, 0, kMovs},
    {InsnClass::String, string_op, ZYDIS_MNEMONIC_STOSB, 0, kStos},
    {InsnClass::String, string_op, ZYDIS_MNEMONIC_LODSB, 0, kLods},
    {InsnClass::String, string_op, ZYDIS_MNEMONIC_CMPSB, 0, kCmps},
    {InsnClass::String, string_op, ZYDIS_MNEMONIC_SCASB, 0, kScas},
    {InsnClass::Atomic, lock_binary, ZYDIS_MNEMONIC_ADD, kSAll},
    {InsnClass::Atomic, lock_binary, ZYDIS_MNEMONIC_OR, kSAll},
    {InsnClass::Atomic, lock_binary, ZYDIS_MNEMONIC_ADC, kSAll},
    {InsnClass::Atomic, lock_binary, ZYDIS_MNEMONIC_SBB, kSAll},
    {InsnClass::Atomic, lock_binary, ZYDIS_MNEMONIC_AND, kSAll},
    {InsnClass::Atomic, lock_binary, ZYDIS_MNEMONIC_SUB, kSAll},
    {InsnClass::Atomic, lock_binary, ZYDIS_MNEMONIC_XOR, kSAll},
    {InsnClass::Atomic, lock_unary, ZYDIS_MNEMONIC_INC, kSAll},
    {InsnClass::Atomic, lock_unary, ZYDIS_MNEMONIC_DEC, kSAll},
    {InsnClass::Atomic, lock_unary, ZYDIS_MNEMONIC_NOT, kSAll},
    {InsnClass::Atomic, lock_unary, ZYDIS_MNEMONIC_NEG, kSAll},
    {InsnClass::Atomic, lock_bit, ZYDIS_MNEMONIC_BTS, kS248},
    {InsnClass::Atomic, lock_bit, ZYDIS_MNEMONIC_BTR, kS248},
    {InsnClass::Atomic, lock_bit, ZYDIS_MNEMONIC_BTC, kS248},
    {InsnClass::Atomic, exchange, ZYDIS_MNEMONIC_XCHG, kSAll},
    {InsnClass::Atomic, exchange, ZYDIS_MNEMONIC_XADD, kSAll},
    {InsnClass::Atomic, exchange, ZYDIS_MNEMONIC_CMPXCHG, kSAll},
    {InsnClass::Atomic, cmpxchg_wide, ZYDIS_MNEMONIC_CMPXCHG8B, 8},
    {InsnClass::Atomic, cmpxchg_wide, ZYDIS_MNEMONIC_CMPXCHG16B, 16},
};

} // namespace

std::span<Template const> control_templates() {
    return kTemplates;
}

} // namespace vireo::difftest
