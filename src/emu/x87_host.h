// x87 arithmetic runs on the host's own x87 unit. vireo runs on x86-64 hosts, whose FPU is
// the very 80-bit unit the guest expects, so executing the guest's instruction there under the
// guest's control word gives bit-exact results, precision and rounding control, condition
// codes, exception flags and even the bias-adjusted results of unmasked overflow and
// underflow, for free. (Transcendental instructions are as precise as the host's FSIN etc.,
// which is what the guest would get on this machine.)
//
// Each host operation is one asm block: clear the host's exception flags, load the guest's
// control word and the operands, run one instruction, read the status word (FNSTSW), then
// store ST(0) and ST(1) under the host's fully masked control word and free all eight
// registers, so that the host's stack is empty again as the ABI wants it. With unmasked
// exceptions in the guest's control word, FNCLEX runs right after FNSTSW: a pending
// exception must be cleared by a non-waiting instruction before any waiting one, or it
// would trap in vireo.
//
// The host's condition codes before the instruction are whatever the last host operation
// left, so handlers take from the status only the codes the instruction writes. FPREM and
// FPREM1 leave some codes alone depending on their operands: their host operations load the
// guest's codes first (FLDENV, which is slow: ~100 ns here against ~10 ns for FLDCW).
#pragma once

#include <cstdint>

#include "emu/x87_util.h"

namespace vireo::emu::x87 {

struct alignas(16) HostMemory {
    uint8_t bytes[16] = {};
};

// Inputs and outputs of one host operation: the instruction sees ST(0) = a and ST(1) = b,
// and a memory operand in `memory` (read by loads and arithmetic, written by stores).
struct HostOp {
    F80 a{};
    F80 b{};
    uint16_t control = kDefaultControl;
    uint16_t conditions = 0; // C0-C3 before the instruction, for the FLDENV variant
    HostMemory memory;
    F80 st0{};
    F80 st1{};
    uint16_t status = 0; // exceptions, condition codes and host TOP after the instruction
};

// A host operation under the guest's control word (and condition codes).
inline HostOp host_op(Cpu const& cpu) {
    HostOp op;
    op.control = cpu.fpu.fcw;
    op.conditions = cpu.fpu.fsw & kConditions;
    return op;
}

// The protected-mode 32-bit FLDENV image (Intel SDM Vol. 1 8.1.10, Figure 8-9): control
// word, status word with TOP 0 and no exception flags, every register empty.
struct HostEnvironment {
    uint32_t control;
    uint32_t status;
    uint32_t tags = 0xffff;
    uint32_t pointers[4] = {};
};

// The host's control word while results are stored: everything masked, so storing a value
// (or an empty register, after an instruction that popped) can never raise anything.
inline constexpr uint16_t kHostMasked = kDefaultControl;

#define VIREO_X87_HOST_ASM(setup, text, after)                                                     \
    asm volatile("fnstcw %[saved]\n\t" setup "fldt %[b]\n\t"                                       \
                 "fldt %[a]\n\t" text "\n\t"                                                       \
                 "fnstsw %[sw]\n\t" after "fldcw %[masked]\n\t"                                    \
                 "fstpt %[r0]\n\t"                                                                 \
                 "fstpt %[r1]\n\t"                                                                 \
                 "ffree %%st(0)\n\tffree %%st(1)\n\tffree %%st(2)\n\tffree %%st(3)\n\t"            \
                 "ffree %%st(4)\n\tffree %%st(5)\n\tffree %%st(6)\n\tffree %%st(7)\n\t"            \
                 "fldcw %[saved]"                                                                  \
                 : [r0] "=m"(op.st0), [r1] "=m"(op.st1), [sw] "=m"(op.status),                     \
                   [saved] "=m"(saved), [m] "+m"(op.memory)                                        \
                 : [a] "m"(op.a), [b] "m"(op.b), [cw] "m"(op.control), [env] "m"(environment),     \
                   [masked] "m"(masked)                                                            \
                 : "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)")

// Defines `void name(HostOp&)` running the x87 instruction `text` (AT&T syntax; %[m] names
// the memory operand). Only forms with ST(0) as destination are used: in AT&T syntax the
// forms with ST(i) as destination swap FSUB/FSUBR and FDIV/FDIVR.
#define VIREO_X87_HOST(name, text)                                                                 \
    inline void name(::vireo::emu::x87::HostOp& op) {                                              \
        uint16_t saved;                                                                            \
        uint16_t const masked = ::vireo::emu::x87::kHostMasked;                                    \
        uint32_t const environment = 0;                                                            \
        if ((op.control & ::vireo::emu::x87::kExceptions) == ::vireo::emu::x87::kExceptions)       \
            VIREO_X87_HOST_ASM("fnclex\n\tfldcw %[cw]\n\t", text, "");                             \
        else                                                                                       \
            VIREO_X87_HOST_ASM("fnclex\n\tfldcw %[cw]\n\t", text, "fnclex\n\t");                   \
    }

// The same, starting from the guest's condition codes (for FPREM and FPREM1).
#define VIREO_X87_HOST_WITH_CONDITIONS(name, text)                                                 \
    inline void name(::vireo::emu::x87::HostOp& op) {                                              \
        uint16_t saved;                                                                            \
        uint16_t const masked = ::vireo::emu::x87::kHostMasked;                                    \
        ::vireo::emu::x87::HostEnvironment const environment{op.control, op.conditions};           \
        VIREO_X87_HOST_ASM("fldenv %[env]\n\t", text, "fnclex\n\t");                               \
    }

using HostFn = void (*)(HostOp&);

} // namespace vireo::emu::x87
