#include "emu/decoder.h"

#include <array>
#include <atomic>
#include <mutex>
#include <set>

#include <Zydis/Zydis.h>

#include "base/trace.h"
#include "emu/handlers.h"
#include "emu/registry.h"

namespace vireo::emu {

namespace {

struct Decoders {
    std::array<ZydisDecoder, 3> by_mode{};
    Decoders() {
        init(CodeMode::Bits16, ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_STACK_WIDTH_16);
        init(CodeMode::Bits32, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
        init(CodeMode::Bits64, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
    }
    void init(CodeMode mode, ZydisMachineMode machine, ZydisStackWidth width) {
        ZydisDecoder& decoder = by_mode[static_cast<size_t>(mode)];
        ZydisDecoderInit(&decoder, machine, width);
        // vireo's CPU has no BMI1/LZCNT, MPX or CET: F3 0F BC/BD are REP BSF/BSR, BND and
        // ENDBR encodings are the plain instructions or NOPs they are on such a processor.
        ZydisDecoderEnableMode(&decoder, ZYDIS_DECODER_MODE_TZCNT, ZYAN_FALSE);
        ZydisDecoderEnableMode(&decoder, ZYDIS_DECODER_MODE_LZCNT, ZYAN_FALSE);
        ZydisDecoderEnableMode(&decoder, ZYDIS_DECODER_MODE_MPX, ZYAN_FALSE);
        ZydisDecoderEnableMode(&decoder, ZYDIS_DECODER_MODE_CET, ZYAN_FALSE);
    }
};

Decoders const& decoders() {
    static Decoders const instance;
    return instance;
}

uint8_t gpr_slot(ZydisRegister reg) {
    if (reg >= ZYDIS_REGISTER_RAX && reg <= ZYDIS_REGISTER_R15)
        return static_cast<uint8_t>(reg - ZYDIS_REGISTER_RAX);
    if (reg >= ZYDIS_REGISTER_EAX && reg <= ZYDIS_REGISTER_R15D)
        return static_cast<uint8_t>(reg - ZYDIS_REGISTER_EAX);
    if (reg >= ZYDIS_REGISTER_AX && reg <= ZYDIS_REGISTER_R15W)
        return static_cast<uint8_t>(reg - ZYDIS_REGISTER_AX);
    if (reg == ZYDIS_REGISTER_RIP || reg == ZYDIS_REGISTER_EIP || reg == ZYDIS_REGISTER_IP)
        return kRegRip;
    return kRegZero;
}

// Byte offset in Cpu::regs of a general-purpose register operand, or -1.
int gpr_offset(ZydisRegister reg) {
    if (reg >= ZYDIS_REGISTER_AL && reg <= ZYDIS_REGISTER_R15B) {
        int const id = reg - ZYDIS_REGISTER_AL;
        // AL CL DL BL AH CH DH BH SPL BPL SIL DIL R8B..R15B: AH-BH are byte 1 of RAX-RBX.
        if (id >= 4 && id <= 7)
            return (id - 4) * 8 + 1;
        return (id < 4 ? id : id - 4) * 8;
    }
    if ((reg >= ZYDIS_REGISTER_AX && reg <= ZYDIS_REGISTER_R15W) ||
        (reg >= ZYDIS_REGISTER_EAX && reg <= ZYDIS_REGISTER_R15D) ||
        (reg >= ZYDIS_REGISTER_RAX && reg <= ZYDIS_REGISTER_R15))
        return gpr_slot(reg) * 8;
    return -1;
}

uint8_t segment_of(ZydisRegister reg) {
    switch (reg) {
    case ZYDIS_REGISTER_ES:
        return kSegEs;
    case ZYDIS_REGISTER_CS:
        return kSegCs;
    case ZYDIS_REGISTER_SS:
        return kSegSs;
    case ZYDIS_REGISTER_DS:
        return kSegDs;
    case ZYDIS_REGISTER_FS:
        return kSegFs;
    case ZYDIS_REGISTER_GS:
        return kSegGs;
    default:
        return kSegFlat;
    }
}

Operand register_operand(ZydisRegister reg, unsigned size) {
    Operand op;
    op.size = static_cast<uint8_t>(size);
    if (int const offset = gpr_offset(reg); offset >= 0) {
        op.kind = OpKind::Gpr;
        op.reg = static_cast<uint8_t>(offset);
    } else if (reg >= ZYDIS_REGISTER_ES && reg <= ZYDIS_REGISTER_GS) {
        op.kind = OpKind::Seg;
        op.reg = segment_of(reg);
    } else if (reg >= ZYDIS_REGISTER_CR0 && reg <= ZYDIS_REGISTER_CR15) {
        op.kind = OpKind::Cr;
        op.reg = static_cast<uint8_t>(reg - ZYDIS_REGISTER_CR0);
    } else if (reg >= ZYDIS_REGISTER_DR0 && reg <= ZYDIS_REGISTER_DR15) {
        op.kind = OpKind::Dr;
        op.reg = static_cast<uint8_t>(reg - ZYDIS_REGISTER_DR0);
    } else if (reg >= ZYDIS_REGISTER_XMM0 && reg <= ZYDIS_REGISTER_XMM15) {
        op.kind = OpKind::Xmm;
        op.reg = static_cast<uint8_t>(reg - ZYDIS_REGISTER_XMM0);
    } else if (reg >= ZYDIS_REGISTER_MM0 && reg <= ZYDIS_REGISTER_MM7) {
        op.kind = OpKind::Mmx;
        op.reg = static_cast<uint8_t>(reg - ZYDIS_REGISTER_MM0);
    } else if (reg >= ZYDIS_REGISTER_ST0 && reg <= ZYDIS_REGISTER_ST7) {
        op.kind = OpKind::X87;
        op.reg = static_cast<uint8_t>(reg - ZYDIS_REGISTER_ST0);
    } else {
        op.kind = OpKind::Other;
    }
    return op;
}

void set_memory_operand(Insn& insn, ZydisDecodedOperandMem const& mem, CodeMode mode) {
    insn.base = gpr_slot(mem.base);
    insn.index = gpr_slot(mem.index);
    insn.scale = static_cast<uint8_t>(mem.scale == 0 ? 0 : __builtin_ctz(mem.scale));
    insn.disp = mem.disp.value;
    uint8_t seg = segment_of(mem.segment);
    // 64-bit mode ignores the bases of CS, DS, ES and SS (Intel SDM Vol. 3A 3.4.4).
    if (mode == CodeMode::Bits64 && seg != kSegFs && seg != kSegGs)
        seg = kSegFlat;
    insn.seg = seg;
}

// The segment of implicit memory operands (string instructions, XLAT): DS unless a prefix
// overrides it (Intel SDM Vol. 2A 2.1.1).
uint8_t segment_override(ZydisDecodedInstruction const& zi) {
    static constexpr std::pair<ZyanU64, uint8_t> kPrefixes[] = {
        {ZYDIS_ATTRIB_HAS_SEGMENT_CS, kSegCs},
        {ZYDIS_ATTRIB_HAS_SEGMENT_SS, kSegSs},
        {ZYDIS_ATTRIB_HAS_SEGMENT_ES, kSegEs},
        {ZYDIS_ATTRIB_HAS_SEGMENT_FS, kSegFs},
        {ZYDIS_ATTRIB_HAS_SEGMENT_GS, kSegGs}};
    for (auto const& [attribute, seg] : kPrefixes)
        if ((zi.attributes & attribute) != 0)
            return seg;
    return kSegDs;
}

Form translate_operands(Insn& insn, ZydisDecodedInstruction const& zi,
                        ZydisDecodedOperand const* operands, CodeMode mode) {
    Form form = 0;
    unsigned explicit_count = 0;
    bool have_imm = false;
    for (unsigned i = 0; i < zi.operand_count_visible && explicit_count < kMaxOperands; ++i) {
        ZydisDecodedOperand const& zo = operands[i];
        // Visible operands are those of the Intel syntax: explicit ones and implicit ones
        // such as the 1 of SHL r/m, 1 or the CL of SAR r/m, CL.
        if (zo.visibility == ZYDIS_OPERAND_VISIBILITY_HIDDEN)
            continue;
        Operand op;
        unsigned const size = zo.size / 8;
        switch (zo.type) {
        case ZYDIS_OPERAND_TYPE_REGISTER:
            op = register_operand(zo.reg.value, size);
            break;
        case ZYDIS_OPERAND_TYPE_MEMORY:
            op = {OpKind::Mem, static_cast<uint8_t>(size), 0};
            set_memory_operand(insn, zo.mem, mode);
            break;
        case ZYDIS_OPERAND_TYPE_IMMEDIATE:
            op = {OpKind::Imm, static_cast<uint8_t>(size), 0};
            if (have_imm) {
                insn.imm2 = static_cast<uint16_t>(zo.imm.value.u);
            } else {
                insn.imm =
                    zo.imm.is_signed ? static_cast<uint64_t>(zo.imm.value.s) : zo.imm.value.u;
                have_imm = true;
            }
            break;
        case ZYDIS_OPERAND_TYPE_POINTER:
            op = {OpKind::Other, static_cast<uint8_t>(size), 0};
            insn.imm = zo.ptr.offset;
            insn.imm2 = zo.ptr.segment;
            break;
        default:
            op = {OpKind::Other, static_cast<uint8_t>(size), 0};
            break;
        }
        insn.op[explicit_count] = op;
        form |= static_cast<Form>(operand_desc(op.kind, op.size)) << (8 * explicit_count);
        ++explicit_count;
    }
    return form;
}

// Whether the instruction's data reference is made through SS: the explicit memory operand
// if there is one (its segment is SS by default with an RSP or RBP base, Intel SDM Vol. 1
// 3.7.4.1), else an implicit one (the stack of PUSH, POP, CALL, RET, ENTER, LEAVE).
bool references_stack(ZydisDecodedInstruction const& zi, ZydisDecodedOperand const* operands) {
    ZydisDecodedOperand const* reference = nullptr;
    for (unsigned i = 0; i < zi.operand_count; ++i) {
        ZydisDecodedOperand const& zo = operands[i];
        if (zo.type != ZYDIS_OPERAND_TYPE_MEMORY || zo.mem.type != ZYDIS_MEMOP_TYPE_MEM)
            continue;
        if (zo.visibility != ZYDIS_OPERAND_VISIBILITY_HIDDEN)
            return zo.mem.segment == ZYDIS_REGISTER_SS;
        if (reference == nullptr)
            reference = &zo;
    }
    return reference != nullptr && reference->mem.segment == ZYDIS_REGISTER_SS;
}

// Unimplemented instructions are reported once each, so a failing guest says what it
// missed.
void report_unimplemented(ZydisMnemonic mnemonic, Form form) {
    static std::mutex mutex;
    static std::set<std::pair<int, Form>> seen;
    std::lock_guard lock(mutex);
    char const* name = ZydisMnemonicGetString(mnemonic);
    if (seen.insert({static_cast<int>(mnemonic), form}).second)
        VIREO_TRACE(Emu, "unimplemented instruction {} (form {:06x}): #UD",
                    name != nullptr ? name : "?", form);
}

} // namespace

Decoded decode_instruction(CodeMode mode, uint8_t const* bytes, size_t available) {
    Decoded out;
    out.insn.handler = handle_undefined;
    out.insn.exec = &threaded<handle_undefined>;
    ZydisDecodedInstruction zi;
    ZydisDecodedOperand operands[ZYDIS_MAX_OPERAND_COUNT];
    ZyanStatus const status = ZydisDecoderDecodeFull(
        &decoders().by_mode[static_cast<size_t>(mode)], bytes,
        std::min<size_t>(available, ZYDIS_MAX_INSTRUCTION_LENGTH), &zi, operands);
    if (status == ZYDIS_STATUS_NO_MORE_DATA) {
        out.insn.length = 0;
        return out;
    }
    if (!ZYAN_SUCCESS(status)) {
        out.insn.length = 1;
        out.flags = kEndsBlock;
        return out;
    }
    Insn& insn = out.insn;
    insn.length = zi.length;
    insn.operand_size = static_cast<uint8_t>(zi.operand_width / 8);
    insn.address_size = static_cast<uint8_t>(zi.address_width / 8);
    insn.address_mask = zi.address_width == 64 ? ~0ULL : (1ULL << zi.address_width) - 1;
    insn.base = kRegZero;
    insn.index = kRegZero;
    insn.seg = segment_override(zi); // replaced by an explicit memory operand's segment
    insn.mnemonic = static_cast<uint16_t>(zi.mnemonic);
    if ((zi.attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE)) != 0)
        insn.prefixes |= kPrefixRep;
    if ((zi.attributes & ZYDIS_ATTRIB_HAS_REPNE) != 0)
        insn.prefixes |= kPrefixRepne;
    if ((zi.attributes & ZYDIS_ATTRIB_HAS_LOCK) != 0)
        insn.prefixes |= kPrefixLock;
    Form const form = translate_operands(insn, zi, operands, mode);
    if (references_stack(zi, operands))
        insn.prefixes |= kPrefixStack;
    ZydisMnemonic mnemonic = zi.mnemonic;
    if (zi.meta.branch_type == ZYDIS_BRANCH_TYPE_FAR) {
        if (mnemonic == ZYDIS_MNEMONIC_JMP)
            mnemonic = kMnemonicJmpFar;
        else if (mnemonic == ZYDIS_MNEMONIC_CALL)
            mnemonic = kMnemonicCallFar;
        else if (mnemonic == ZYDIS_MNEMONIC_RET)
            mnemonic = kMnemonicRetFar;
    }
    Registry::Entry const* entry = handler_registry().find(mnemonic, form);
    out.valid = true;
    if (entry == nullptr) {
        report_unimplemented(mnemonic, form);
        out.flags = kEndsBlock;
        return out;
    }
    insn.handler = entry->handler;
    insn.exec = entry->exec;
    out.flags = entry->flags;
    return out;
}

std::string disassemble(CodeMode mode, uint8_t const* bytes, size_t available, uint64_t rip) {
    static constexpr ZydisMachineMode kModes[] = {
        ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_MACHINE_MODE_LONG_64};
    ZydisDisassembledInstruction out;
    if (!ZYAN_SUCCESS(
            ZydisDisassembleIntel(kModes[static_cast<size_t>(mode)], rip, bytes, available, &out)))
        return "(bad)";
    return out.text;
}

} // namespace vireo::emu
