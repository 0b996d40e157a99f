// The table from (Zydis mnemonic, operand form) to instruction handler. The decoder looks up
// the exact form first (e.g. ADD r64, r/m64 from memory), then the mnemonic's generic handler
// registered with kAnyForm, which reads its operands through read_operand/write_operand.
//
// Adding instructions: write handlers in an exec_*.cpp file, give it a
// `void register_<name>(Registry&)` function, declare it in handlers.h and call it from
// build_registry() in registry.cpp. The x87 and SSE files follow the same pattern.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <vector>

#include <Zydis/Zydis.h>

#include "emu/insn.h"

namespace vireo::emu {

// One explicit operand of a form: its kind in the high nibble, its size in the low one.
using OperandDesc = uint8_t;
using Form = uint32_t;
inline constexpr Form kAnyForm = 0xffffffff;

constexpr uint8_t size_code(unsigned bytes) {
    switch (bytes) {
    case 1:
        return 1;
    case 2:
        return 2;
    case 4:
        return 3;
    case 8:
        return 4;
    case 16:
        return 5;
    default:
        return 6;
    }
}
constexpr OperandDesc operand_desc(OpKind kind, unsigned bytes) {
    // An immediate's width never selects a handler: Insn::imm is already sign-extended.
    if (kind == OpKind::Imm)
        bytes = 0;
    return static_cast<OperandDesc>((static_cast<unsigned>(kind) << 4) |
                                    (bytes == 0 ? 0 : size_code(bytes)));
}
constexpr OperandDesc R(unsigned bytes) {
    return operand_desc(OpKind::Gpr, bytes);
}
constexpr OperandDesc M(unsigned bytes) {
    return operand_desc(OpKind::Mem, bytes);
}
inline constexpr OperandDesc I = operand_desc(OpKind::Imm, 0);

constexpr Form make_form(std::initializer_list<OperandDesc> operands) {
    Form form = 0;
    unsigned shift = 0;
    for (OperandDesc const desc : operands) {
        form |= static_cast<Form>(desc) << shift;
        shift += 8;
    }
    return form;
}

// Far JMP, CALL and RET share Zydis's mnemonics with the near forms; the decoder files them
// under these extra values.
inline constexpr auto kMnemonicJmpFar = static_cast<ZydisMnemonic>(ZYDIS_MNEMONIC_MAX_VALUE + 1);
inline constexpr auto kMnemonicCallFar = static_cast<ZydisMnemonic>(ZYDIS_MNEMONIC_MAX_VALUE + 2);
inline constexpr auto kMnemonicRetFar = static_cast<ZydisMnemonic>(ZYDIS_MNEMONIC_MAX_VALUE + 3);

// Properties of a handler the block builder needs.
enum HandlerFlag : uint8_t {
    // The instruction may change RIP, the mode, paging or interrupt state, or stop early:
    // the block ends after it.
    kEndsBlock = 1 << 0,
};

class Registry {
public:
    struct Entry {
        Form form;
        Handler handler;
        uint8_t flags;
    };

    void add(ZydisMnemonic mnemonic, Form form, Handler handler, uint8_t flags = 0);
    void add_any(ZydisMnemonic mnemonic, Handler handler, uint8_t flags = 0) {
        add(mnemonic, kAnyForm, handler, flags);
    }
    Entry const* find(ZydisMnemonic mnemonic, Form form) const;

private:
    std::vector<std::vector<Entry>> by_mnemonic_;
};

// Every handler vireo has, built on first use.
Registry const& handler_registry();

} // namespace vireo::emu
