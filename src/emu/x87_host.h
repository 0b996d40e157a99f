// x87 arithmetic runs on the host's own x87 unit. vireo runs on x86-64 hosts, whose FPU is
// the very 80-bit unit the guest expects, so executing the guest's instruction there under the
// guest's control word gives bit-exact results, precision and rounding control, condition
// codes, exception flags and even the bias-adjusted results of unmasked overflow and
// underflow, for free. (Transcendental instructions are as precise as the host's FSIN etc.,
// which is what the guest would get on this machine.)
//
// Each host operation is one asm block that loads the guest's control word and condition
// codes (FLDENV, so that instructions which leave some condition codes alone leave the
// guest's), loads the operands, runs one instruction, reads the status word and clears it
// with non-waiting instructions (FNSTSW, FNCLEX) before any waiting one, so an unmasked
// exception never traps in vireo, then stores ST(0) and ST(1) under the host's fully masked
// control word and empties the stack (FNINIT).
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
    uint16_t conditions = 0; // C0-C3 before the instruction
    HostMemory memory;
    F80 st0{};
    F80 st1{};
    uint16_t status = 0; // exceptions, condition codes and host TOP after the instruction
};

// A host operation under the guest's control word and condition codes.
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

// Defines `void name(HostOp&)` running the x87 instruction `text` (AT&T syntax; %[m] names
// the memory operand). Only forms with ST(0) as destination are used: in AT&T syntax the
// forms with ST(i) as destination swap FSUB/FSUBR and FDIV/FDIVR.
#define VIREO_X87_HOST(name, text)                                                                 \
    inline void name(::vireo::emu::x87::HostOp& op) {                                              \
        uint16_t saved;                                                                            \
        uint16_t const masked = ::vireo::emu::x87::kHostMasked;                                    \
        ::vireo::emu::x87::HostEnvironment const environment{op.control, op.conditions};           \
        asm volatile("fnstcw %[saved]\n\t"                                                         \
                     "fldenv %[env]\n\t"                                                           \
                     "fldt %[b]\n\t"                                                               \
                     "fldt %[a]\n\t" text "\n\t"                                                   \
                     "fnstsw %[sw]\n\t"                                                            \
                     "fnclex\n\t"                                                                  \
                     "fldcw %[masked]\n\t"                                                         \
                     "fstpt %[r0]\n\t"                                                             \
                     "fstpt %[r1]\n\t"                                                             \
                     "fninit\n\t"                                                                  \
                     "fldcw %[saved]"                                                              \
                     : [r0] "=m"(op.st0), [r1] "=m"(op.st1), [sw] "=m"(op.status),                 \
                       [saved] "=m"(saved), [m] "+m"(op.memory)                                    \
                     : [a] "m"(op.a), [b] "m"(op.b), [env] "m"(environment), [masked] "m"(masked)  \
                     : "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)");       \
    }

using HostFn = void (*)(HostOp&);

} // namespace vireo::emu::x87
