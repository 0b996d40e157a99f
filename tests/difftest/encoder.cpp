#include "encoder.h"

#include <cstring>

#include "machine_state.h"

namespace vireo::difftest {

ZydisEncoderOperand reg(ZydisRegister value) {
    ZydisEncoderOperand op{};
    op.type = ZYDIS_OPERAND_TYPE_REGISTER;
    op.reg.value = value;
    return op;
}

ZydisEncoderOperand imm(int64_t value) {
    ZydisEncoderOperand op{};
    op.type = ZYDIS_OPERAND_TYPE_IMMEDIATE;
    op.imm.s = value;
    return op;
}

ZydisEncoderOperand mem(ZydisRegister base, ZydisRegister index, uint8_t scale,
                        int64_t displacement, uint16_t bytes) {
    ZydisEncoderOperand op{};
    op.type = ZYDIS_OPERAND_TYPE_MEMORY;
    op.mem.base = base;
    op.mem.index = index;
    op.mem.scale = index == ZYDIS_REGISTER_NONE ? 0 : scale;
    op.mem.displacement = displacement;
    op.mem.size = bytes;
    return op;
}

ZydisEncoderRequest make_request(ZydisMnemonic mnemonic,
                                 std::initializer_list<ZydisEncoderOperand> operands,
                                 ZydisInstructionAttributes prefixes) {
    ZydisEncoderRequest request;
    std::memset(&request, 0, sizeof(request));
    request.machine_mode = ZYDIS_MACHINE_MODE_LONG_64;
    // Legacy encodings only: VEX and EVEX forms are not in vireo's CPUID profile.
    request.allowed_encodings = ZYDIS_ENCODABLE_ENCODING_LEGACY;
    request.mnemonic = mnemonic;
    request.prefixes = prefixes;
    for (ZydisEncoderOperand const& op : operands)
        request.operands[request.operand_count++] = op;
    return request;
}

std::optional<Encoded> encode(ZydisEncoderRequest request, uint64_t address) {
    Encoded out;
    ZyanUSize length = sizeof(out.bytes);
    if (!ZYAN_SUCCESS(ZydisEncoderEncodeInstructionAbsolute(&request, out.bytes, &length, address)))
        return std::nullopt;
    out.length = static_cast<uint8_t>(length);
    return out;
}

namespace {

ZydisDecoder const& decoder() {
    static ZydisDecoder const instance = [] {
        ZydisDecoder d;
        ZydisDecoderInit(&d, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
        return d;
    }();
    return instance;
}

// Zydis numbers the x87 condition codes C0..C3 as bits 0..3.
uint16_t fsw_bits(ZydisAccessedFlagsMask zydis) {
    uint16_t out = 0;
    if (zydis & ZYDIS_FPUFLAG_C0)
        out |= kFswC0;
    if (zydis & ZYDIS_FPUFLAG_C1)
        out |= kFswC1;
    if (zydis & ZYDIS_FPUFLAG_C2)
        out |= kFswC2;
    if (zydis & ZYDIS_FPUFLAG_C3)
        out |= kFswC3;
    return out;
}

} // namespace

std::optional<FlagEffects> flag_effects(std::span<uint8_t const> bytes) {
    ZydisDecodedInstruction insn;
    if (!ZYAN_SUCCESS(
            ZydisDecoderDecodeInstruction(&decoder(), nullptr, bytes.data(), bytes.size(), &insn)))
        return std::nullopt;
    FlagEffects out;
    out.mnemonic = insn.mnemonic;
    if (insn.cpu_flags != nullptr) {
        ZydisAccessedFlags const& f = *insn.cpu_flags;
        out.tested = f.tested;
        out.written = f.modified | f.set_0 | f.set_1;
        out.undefined = f.undefined;
    }
    if (insn.fpu_flags != nullptr) {
        ZydisAccessedFlags const& f = *insn.fpu_flags;
        out.fpu_written = fsw_bits(f.modified | f.set_0 | f.set_1);
        out.fpu_undefined = fsw_bits(f.undefined);
    }
    return out;
}

std::optional<DecodedShape> decode_shape(std::span<uint8_t const> bytes, uint64_t address) {
    ZydisDecodedInstruction insn;
    ZydisDecodedOperand operands[ZYDIS_MAX_OPERAND_COUNT];
    if (!ZYAN_SUCCESS(
            ZydisDecoderDecodeFull(&decoder(), bytes.data(), bytes.size(), &insn, operands)))
        return std::nullopt;
    DecodedShape shape;
    shape.length = insn.length;
    bool const relative_branch = (insn.attributes & ZYDIS_ATTRIB_IS_RELATIVE) != 0 &&
                                 insn.meta.branch_type != ZYDIS_BRANCH_TYPE_NONE;
    if (relative_branch) {
        ZyanU64 target = 0;
        if (ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&insn, &operands[0], address, &target)))
            shape.target = target;
    }
    return shape;
}

std::string disassemble(std::span<uint8_t const> bytes, uint64_t address) {
    ZydisDecodedInstruction insn;
    ZydisDecodedOperand operands[ZYDIS_MAX_OPERAND_COUNT];
    if (!ZYAN_SUCCESS(
            ZydisDecoderDecodeFull(&decoder(), bytes.data(), bytes.size(), &insn, operands)))
        return "(undecodable)";
    ZydisFormatter formatter;
    ZydisFormatterInit(&formatter, ZYDIS_FORMATTER_STYLE_INTEL);
    char text[256];
    if (!ZYAN_SUCCESS(ZydisFormatterFormatInstruction(&formatter, &insn, operands,
                                                      insn.operand_count_visible, text,
                                                      sizeof(text), address, nullptr)))
        return "(unformattable)";
    return text;
}

ZydisRegister gpr(unsigned number, unsigned bytes, bool high_byte) {
    static constexpr ZydisRegister kLow8[16] = {
        ZYDIS_REGISTER_AL,   ZYDIS_REGISTER_CL,   ZYDIS_REGISTER_DL,   ZYDIS_REGISTER_BL,
        ZYDIS_REGISTER_SPL,  ZYDIS_REGISTER_BPL,  ZYDIS_REGISTER_SIL,  ZYDIS_REGISTER_DIL,
        ZYDIS_REGISTER_R8B,  ZYDIS_REGISTER_R9B,  ZYDIS_REGISTER_R10B, ZYDIS_REGISTER_R11B,
        ZYDIS_REGISTER_R12B, ZYDIS_REGISTER_R13B, ZYDIS_REGISTER_R14B, ZYDIS_REGISTER_R15B};
    static constexpr ZydisRegister kHigh8[4] = {ZYDIS_REGISTER_AH, ZYDIS_REGISTER_CH,
                                                ZYDIS_REGISTER_DH, ZYDIS_REGISTER_BH};
    switch (bytes) {
    case 1:
        return high_byte && number < 4 ? kHigh8[number] : kLow8[number & 15];
    case 2:
        return static_cast<ZydisRegister>(ZYDIS_REGISTER_AX + (number & 15));
    case 4:
        return static_cast<ZydisRegister>(ZYDIS_REGISTER_EAX + (number & 15));
    default:
        return static_cast<ZydisRegister>(ZYDIS_REGISTER_RAX + (number & 15));
    }
}

ZydisRegister xmm(unsigned number) {
    return static_cast<ZydisRegister>(ZYDIS_REGISTER_XMM0 + (number & 15));
}
ZydisRegister mmx(unsigned number) {
    return static_cast<ZydisRegister>(ZYDIS_REGISTER_MM0 + (number & 7));
}
ZydisRegister st(unsigned number) {
    return static_cast<ZydisRegister>(ZYDIS_REGISTER_ST0 + (number & 7));
}

} // namespace vireo::difftest
