// What the two runs exchange: the architectural state a program starts from and ends in, the
// program itself with what the generator knows about each instruction, and the outcome of a
// run. The FXSAVE layout is written out here rather than taken from src/emu, so that the
// tester does not inherit a layout mistake from the code it tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "layout.h"

namespace vireo::difftest {

// The FXSAVE image in 64-bit mode (Intel SDM Vol. 1 10.5.1, Table 10-2 with REX.W).
struct alignas(16) Fxsave {
    uint16_t fcw = 0;
    uint16_t fsw = 0;
    uint8_t ftw = 0; // abridged: one bit per physical register, 1 = not empty
    uint8_t reserved1 = 0;
    uint16_t fop = 0;
    uint64_t fip = 0;
    uint64_t fdp = 0;
    uint32_t mxcsr = 0;
    uint32_t mxcsr_mask = 0;
    struct St {
        uint64_t mantissa = 0; // also MM0-MM7
        uint16_t sign_exponent = 0;
        uint8_t reserved[6] = {};
    } st[8];
    struct Xmm {
        uint64_t lo = 0;
        uint64_t hi = 0;
    } xmm[16];
    uint8_t reserved2[96] = {};
};
static_assert(sizeof(Fxsave) == 512, "Intel SDM Vol. 1 10.5.1: the FXSAVE area is 512 bytes");
static_assert(offsetof(Fxsave, mxcsr) == 24 && offsetof(Fxsave, st) == 32 &&
              offsetof(Fxsave, xmm) == 160);
// Byte ranges of an FXSAVE image that the comparison ignores: FOP, FIP, FDP (the last x87
// instruction's opcode and pointers, which vireo does not track and AMD processors store only
// while an exception is pending), MXCSR_MASK (a property of the processor model), and the
// reserved and software-available tail that FXSAVE does not write.
inline constexpr size_t kFxsaveIgnoredRanges[][2] = {{6, 24}, {28, 32}, {416, 512}};

// FSW bits (Intel SDM Vol. 1 8.1.3, Figure 8-4).
inline constexpr uint16_t kFswC0 = 1U << 8;
inline constexpr uint16_t kFswC1 = 1U << 9;
inline constexpr uint16_t kFswC2 = 1U << 10;
inline constexpr uint16_t kFswC3 = 1U << 14;
inline constexpr unsigned kFswTopShift = 11;

// The trampoline (native_entry.S) knows these offsets.
struct alignas(16) MachineState {
    uint64_t gpr[16] = {}; // encoding order: RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8-R15
    uint64_t rip = 0;
    uint64_t rflags = 0;
    Fxsave fx;
};
static_assert(offsetof(MachineState, rip) == 128 && offsetof(MachineState, rflags) == 136 &&
              offsetof(MachineState, fx) == 144);

inline constexpr unsigned kRsp = 4;

// One instruction of a program, as the generator placed it.
struct ProgramInsn {
    uint64_t address = 0;
    uint8_t length = 0;
    uint8_t cls = 0;              // InsnClass, for reports
    uint8_t fpu_cc_undefined = 0; // FSW condition codes undefined before it (kFswC* bits)
    uint32_t flags_undefined = 0; // RFLAGS bits undefined before it
};

struct Program {
    uint64_t seed = 0;
    MachineState initial;
    std::vector<uint8_t> code;      // at kCodeAddress, ending with HLT
    std::vector<uint8_t> data;      // kDataBytes
    std::vector<uint8_t> stack;     // kStackBytes
    std::vector<ProgramInsn> insns; // the last one is the HLT
    uint64_t end_address = 0;       // of the HLT
    // Data-buffer byte ranges [begin, end) whose final contents are not compared.
    std::vector<std::pair<uint32_t, uint32_t>> data_ignored;

    // The instruction starting at `address`, or nullptr.
    ProgramInsn const* insn_at(uint64_t address) const;
    size_t instruction_count() const { return insns.empty() ? 0 : insns.size() - 1; }
};

enum class RunStatus : uint8_t {
    Stopped, // by an exception: the HLT at the end (#GP at CPL3) or a fault on the way
    Timeout, // ran too long: a program never loops, so this is a bug on that side
    Crashed, // the native child died without reporting (sandbox kill) or could not start
};

struct Outcome {
    RunStatus status = RunStatus::Crashed;
    uint8_t vector = 0;
    uint32_t error_code = 0;
    uint64_t fault_address = 0; // CR2 for #PF
    MachineState state;
    std::vector<uint8_t> data;
    std::vector<uint8_t> stack;
    std::string detail; // why a run crashed
};

} // namespace vireo::difftest
