// The x87 register stack as Cpu::fpu holds it, in FXSAVE layout (Intel SDM Vol. 1 10.5.1):
// ST(i) in slot i, TOP in FSW bits 11-13, and the abridged tag word with one "in use" bit per
// physical register R0-R7, where ST(i) is R((TOP + i) mod 8). Helpers for the handlers in
// exec_x87*.cpp (and for MMX, which shares the registers): tags, push and pop, exception
// flags, stack faults and the pending-exception check.
#pragma once

#include <cstdint>
#include <cstring>

#include "emu/cpu.h"
#include "emu/fault.h"
#include "emu/insn.h"
#include "emu/registry.h"

namespace vireo::emu::x87 {

// FSW bits (Intel SDM Vol. 1 8.1.3, Figure 8-4). The FCW exception masks are the same six
// low bits (8.1.5, Figure 8-6).
inline constexpr uint16_t kInvalid = 1U << 0;
inline constexpr uint16_t kDenormal = 1U << 1;
inline constexpr uint16_t kZeroDivide = 1U << 2;
inline constexpr uint16_t kOverflow = 1U << 3;
inline constexpr uint16_t kUnderflow = 1U << 4;
inline constexpr uint16_t kPrecision = 1U << 5;
inline constexpr uint16_t kStackFault = 1U << 6;
inline constexpr uint16_t kErrorSummary = 1U << 7;
inline constexpr uint16_t kC0 = 1U << 8;
inline constexpr uint16_t kC1 = 1U << 9;
inline constexpr uint16_t kC2 = 1U << 10;
inline constexpr uint16_t kC3 = 1U << 14;
inline constexpr uint16_t kBusy = 1U << 15;
inline constexpr uint16_t kExceptions = 0x3f;
inline constexpr uint16_t kConditions = kC0 | kC1 | kC2 | kC3;
inline constexpr unsigned kTopShift = 11;
inline constexpr uint16_t kTopMask = 7U << kTopShift;
// Exceptions detected before the operation computes anything: unmasked, they leave the
// destination and the stack untouched (Intel SDM Vol. 1 8.5.1-8.5.3; observed on hardware:
// an unmasked #IA on FDIVP neither stores nor pops).
inline constexpr uint16_t kPreComputation = kInvalid | kDenormal | kZeroDivide;

// FCW fields (Intel SDM Vol. 1 8.1.5): FNINIT's value, precision control and rounding control.
inline constexpr uint16_t kDefaultControl = 0x37f;

// An 80-bit double extended value (Intel SDM Vol. 1 4.2.2), as it sits in memory and in the
// low ten bytes of an FXSAVE slot.
struct [[gnu::packed]] F80 {
    uint64_t significand;
    uint16_t sign_exponent;
    bool operator==(F80 const&) const = default;
};
static_assert(sizeof(F80) == 10);

// The QNaN floating-point indefinite (Intel SDM Vol. 1 4.8.3.7, Table 4-3): what a masked
// invalid operation or stack fault leaves in a register.
inline constexpr F80 kIndefinite{0xc000000000000000ULL, 0xffff};
inline constexpr uint16_t kSignBit = 0x8000;
inline constexpr uint16_t kExponentMask = 0x7fff;

inline unsigned top(Cpu const& cpu) {
    return (cpu.fpu.fsw >> kTopShift) & 7;
}
inline void set_top(Cpu& cpu, unsigned value) {
    cpu.fpu.fsw = static_cast<uint16_t>((cpu.fpu.fsw & ~kTopMask) | ((value & 7) << kTopShift));
}
// The physical register that is ST(i).
inline unsigned physical(Cpu const& cpu, unsigned i) {
    return (top(cpu) + i) & 7;
}
inline bool is_empty(Cpu const& cpu, unsigned i) {
    return ((cpu.fpu.ftw >> physical(cpu, i)) & 1) == 0;
}
inline void set_empty(Cpu& cpu, unsigned i) {
    cpu.fpu.ftw = static_cast<uint8_t>(cpu.fpu.ftw & ~(1U << physical(cpu, i)));
}
inline F80 get(Cpu const& cpu, unsigned i) {
    return {cpu.fpu.st[i].lo, static_cast<uint16_t>(cpu.fpu.st[i].hi)};
}
// Writes ST(i) and tags it in use.
inline void put(Cpu& cpu, unsigned i, F80 value) {
    cpu.fpu.st[i] = {value.significand, value.sign_exponent};
    cpu.fpu.ftw = static_cast<uint8_t>(cpu.fpu.ftw | (1U << physical(cpu, i)));
}

// Moves TOP by `delta` (+1 pops, -1 pushes) and rotates the slots with it, so that the
// physical registers keep their contents (FFREE'd values survive, MMX sees them).
void rotate(Cpu& cpu, int delta);
inline void push(Cpu& cpu, F80 value) {
    rotate(cpu, -1);
    put(cpu, 0, value);
}
inline void pop(Cpu& cpu) {
    set_empty(cpu, 0);
    rotate(cpu, 1);
}

inline void set_condition(Cpu& cpu, uint16_t mask, uint16_t bits) {
    cpu.fpu.fsw = static_cast<uint16_t>((cpu.fpu.fsw & ~mask) | (bits & mask));
}

// Records `exceptions` in FSW and returns those of them that are unmasked. An unmasked
// exception also sets ES and B, and is taken by the next waiting x87 instruction (see
// check_pending).
inline uint16_t raise(Cpu& cpu, uint16_t exceptions) {
    cpu.fpu.fsw |= exceptions;
    auto const unmasked = static_cast<uint16_t>(exceptions & ~cpu.fpu.fcw & kExceptions);
    if (unmasked != 0)
        cpu.fpu.fsw |= kErrorSummary | kBusy;
    return unmasked;
}

// Stack underflow and overflow are invalid operations with SF set, C1 telling which (Intel
// SDM Vol. 1 8.5.1.1). They return true when #IA is masked: the instruction then goes on
// with the QNaN indefinite in place of the missing value.
inline bool stack_underflow(Cpu& cpu) {
    set_condition(cpu, kC1, 0);
    return raise(cpu, kInvalid | kStackFault) == 0;
}
inline bool stack_overflow(Cpu& cpu) {
    set_condition(cpu, kC1, kC1);
    return raise(cpu, kInvalid | kStackFault) == 0;
}

// An unmasked exception recorded in FSW is delivered as #MF by the next waiting x87 or MMX
// instruction when CR0.NE is set (Intel SDM Vol. 1 8.7, Vol. 3A 2.5). With CR0.NE clear a PC
// would signal FERR# to the interrupt controller; vireo's machine has no such line, so the
// exception is left pending in FSW.
inline void check_pending(Cpu const& cpu) {
    if ((cpu.fpu.fsw & ~cpu.fpu.fcw & kExceptions) != 0 && (cpu.cr0 & x86::kCr0Ne) != 0)
        [[unlikely]]
        raise_fault(x86::Vector::FpuError);
}

// The start of every waiting x87 control instruction (FLDCW, FLDENV, FRSTOR, FWAIT's x87
// part): #NM with CR0.EM or CR0.TS (Intel SDM Vol. 3A 2.5, Table 2-2), then a pending
// exception.
inline void begin_control(Cpu const& cpu) {
    if ((cpu.cr0 & (x86::kCr0Em | x86::kCr0Ts)) != 0) [[unlikely]]
        raise_fault(x86::Vector::DeviceNotAvailable);
    check_pending(cpu);
}

// The start of every other waiting x87 instruction, which also records the last-instruction
// pointer that FNSTENV and FXSAVE report (Intel SDM Vol. 1 8.1.8). vireo does not record the
// last opcode (FOP): Insn does not keep the opcode bytes.
inline void begin(Cpu& cpu, Insn const& insn) {
    begin_control(cpu);
    cpu.fpu.fip = cpu.rip() - insn.length;
}

// Folds the status word of a host operation into FSW: its exception flags (with ES and B
// when one is unmasked) and the condition codes in `conditions`, the ones the instruction
// writes. The host ran the same instruction under the same control word, so these are what
// the guest's processor computes, unmasked exceptions included (FCOM with an unmasked #IA
// still reports "unordered", FADD clears C1). Returns false when an unmasked pre-computation
// exception leaves the destination and the stack as they were.
inline bool complete(Cpu& cpu, uint16_t status, uint16_t conditions) {
    set_condition(cpu, conditions, status);
    uint16_t const unmasked = raise(cpu, status & kExceptions);
    return (unmasked & kPreComputation) == 0;
}

// The x87 handler files, registered by register_x87() (handlers.h).
void register_x87_load_store(Registry& registry); // exec_x87_load.cpp
void register_x87_arith(Registry& registry);      // exec_x87_arith.cpp
void register_x87_compare(Registry& registry);    // exec_x87_compare.cpp
void register_x87_env(Registry& registry);        // exec_x87_env.cpp

} // namespace vireo::emu::x87
