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

#include "emu/cpu.h"
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

// RIP is advanced before the handler runs, so RIP-relative operands and pushed return
// addresses see the next instruction. Written as a tail call so that each handler ends in
// its own indirect jump to the next one (threaded code), which branch predictors follow far
// better than one shared call site. A guest fault unwinds to the executor, which finds the
// faulting instruction from RIP (see executor.cpp).
template <Handler H>
void threaded(Cpu& cpu, Insn const* insn);

class Registry {
public:
    struct Entry {
        Form form;
        Handler handler;
        ThreadedHandler exec;
        uint8_t flags;
    };

    template <Handler H>
    void add(ZydisMnemonic mnemonic, Form form, uint8_t flags = 0) {
        add_entry(mnemonic, {form, H, &threaded<H>, flags});
    }
    template <Handler H>
    void add_any(ZydisMnemonic mnemonic, uint8_t flags = 0) {
        add<H>(mnemonic, kAnyForm, flags);
    }
    Entry const* find(ZydisMnemonic mnemonic, Form form) const;

private:
    void add_entry(ZydisMnemonic mnemonic, Entry const& entry);

    std::vector<std::vector<Entry>> by_mnemonic_;
};

template <Handler H>
void threaded(Cpu& cpu, Insn const* insn) {
    // Set from the block's start rather than incremented, so that consecutive instructions
    // do not form a chain of read-modify-writes on one memory location.
    cpu.regs[kRegRip] = cpu.block_rip + insn->end_offset;
    H(cpu, *insn);
    return insn[1].exec(cpu, insn + 1);
}

// Ends a block's threaded run.
void end_of_block(Cpu& cpu, Insn const* insn);

// Every handler vireo has, built on first use.
Registry const& handler_registry();

} // namespace vireo::emu
