// The pre-decoded form of one guest instruction. Zydis decodes an instruction once, when its
// block is built; the block then holds this compact record, whose `handler` was chosen for the
// mnemonic and operand form (see registry.h) and whose operands are already resolved to
// register slots, a memory operand and an immediate, so executing it decodes nothing.
#pragma once

#include <cstdint>

namespace vireo::emu {

struct Cpu;
struct Insn;
// The semantics of one instruction.
using Handler = void (*)(Cpu&, Insn const&);
// The threaded form the executor calls: advances RIP, runs the handler and tail-calls the
// next instruction's `exec` (a block ends with a sentinel whose `exec` returns).
using ThreadedHandler = void (*)(Cpu&, Insn const*);

enum class OpKind : uint8_t {
    None,
    Gpr, // reg = byte offset into Cpu::regs (AH..BH are offsets 1, 9, 17, 25)
    Mem, // the instruction's memory operand (Insn::base/index/scale/disp/seg)
    Imm, // Insn::imm
    Seg, // reg = SegReg
    Cr,  // reg = control register number
    Dr,  // reg = debug register number
    Xmm, // reg = XMM register number (Cpu::fpu.xmm)
    Mmx, // reg = MMX register number (Cpu::fpu.st, low 64 bits)
    X87, // reg = ST(i) relative index
    Other,
};

struct Operand {
    OpKind kind = OpKind::None;
    uint8_t size = 0; // bytes
    uint8_t reg = 0;
};

// Prefix bits that handlers look at.
enum InsnPrefix : uint8_t {
    kPrefixRep = 1 << 0,   // F3 on MOVS/STOS/LODS/INS/OUTS, REPE on CMPS/SCAS
    kPrefixRepne = 1 << 1, // F2 on CMPS/SCAS
    kPrefixLock = 1 << 2,
    // Not a prefix: the memory reference is made through SS (an RSP or RBP base, an SS
    // override, or the stack of PUSH/POP/CALL/RET), so a non-canonical address raises #SS
    // rather than #GP (Intel SDM Vol. 3A 6.15 "Interrupt 12").
    kPrefixStack = 1 << 3,
};

inline constexpr unsigned kMaxOperands = 3;

struct Insn {
    ThreadedHandler exec = nullptr;
    Handler handler = nullptr;
    uint64_t imm = 0;          // immediate, sign-extended; for relative branches the offset
    int64_t disp = 0;          // memory operand displacement (or a moffs absolute address)
    uint64_t address_mask = 0; // 0xffff, 0xffffffff or all ones, by address size
    uint8_t base = 0;          // register slot of the base (kRegZero if none, kRegRip)
    uint8_t index = 0;         // register slot of the index (kRegZero if none)
    uint8_t scale = 0;         // shift count: 0-3
    uint8_t seg = 0;           // SegReg of the memory operand (kSegFlat in 64-bit mode)
    Operand op[kMaxOperands];
    uint8_t length = 0;
    uint8_t operand_size = 0; // bytes
    uint8_t address_size = 0; // bytes
    uint8_t prefixes = 0;
    uint16_t mnemonic = 0;   // ZydisMnemonic, for traces and generic handlers
    uint16_t imm2 = 0;       // second immediate: ENTER's nesting level, a far pointer's selector
    uint16_t end_offset = 0; // where the instruction ends, from the start of its block
};

} // namespace vireo::emu
