// Shared pieces of the SSE/SSE2 and MMX handlers (exec_sse*.cpp, exec_mmx*.cpp): the checks
// each such instruction makes before anything else, XMM/MMX registers and memory operands as
// 128-bit host vectors, and the registration of a handler under every operand form Zydis may
// report for it.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <vector>

#include <emmintrin.h>

#include "emu/handlers.h"
#include "emu/operands.h"
#include "emu/x87_util.h"

namespace vireo::emu::simd {

using Vec = __m128i;

// SSE and SSE2 instructions: #UD without CR4.OSFXSR or with CR0.EM, then #NM with CR0.TS
// (Intel SDM Vol. 3A 13.1.5, "SSE/SSE2/SSE3/SSSE3/SSE4 exceptions").
inline void check_sse(Cpu const& cpu) {
    if ((cpu.cr0 & x86::kCr0Em) != 0 || (cpu.cr4 & x86::kCr4Osfxsr) == 0) [[unlikely]]
        raise_ud();
    if ((cpu.cr0 & x86::kCr0Ts) != 0) [[unlikely]]
        raise_fault(x86::Vector::DeviceNotAvailable);
}

// MMX instructions and the MMX forms of SSE ones: #UD with CR0.EM, #NM with CR0.TS, #MF when
// an unmasked x87 exception is pending (Intel SDM Vol. 3A chapter 12, MMX technology system
// programming; CR4.OSFXSR is not required for MMX registers). They
// change no state, so handlers call this first, read their operands, and only then
// enter_mmx_state(): a fault on a memory operand leaves the x87 state as it was.
inline void check_mmx(Cpu const& cpu) {
    if ((cpu.cr0 & x86::kCr0Em) != 0) [[unlikely]]
        raise_ud();
    if ((cpu.cr0 & x86::kCr0Ts) != 0) [[unlikely]]
        raise_fault(x86::Vector::DeviceNotAvailable);
    x87::check_pending(cpu);
}

// Entering MMX state (Intel SDM Vol. 1 9.5.1, Table 9-3): every MMX instruction sets TOP to 0
// and (but EMMS, which empties them) tags all registers valid. MMi aliases physical register Ri,
// while Cpu::fpu.st holds registers in stack order (FXSAVE layout), so a non-zero TOP rotates them
// into place.
void enter_mmx_state(Cpu& cpu);

inline Vec load(Reg128 const& reg) {
    return _mm_load_si128(reinterpret_cast<Vec const*>(&reg));
}
inline void store(Reg128& reg, Vec value) {
    _mm_store_si128(reinterpret_cast<Vec*>(&reg), value);
}
inline Vec xmm(Cpu const& cpu, unsigned n) {
    return load(cpu.fpu.xmm[n]);
}
inline void set_xmm(Cpu& cpu, unsigned n, Vec value) {
    store(cpu.fpu.xmm[n], value);
}

// MMX register n is the significand of physical x87 register n, which is ST((n - TOP) mod 8)
// until enter_mmx_state() makes TOP 0. Writing it sets that register's sign and exponent to
// all ones (Intel SDM Vol. 1 9.5.1); handlers write only after entering MMX state.
inline constexpr uint64_t kMmxExponent = 0xffff;
inline uint64_t mm(Cpu const& cpu, unsigned n) {
    return cpu.fpu.st[(n - x87::top(cpu)) & 7].lo;
}
inline void set_mm(Cpu& cpu, unsigned n, uint64_t value) {
    cpu.fpu.st[n].lo = value;
    cpu.fpu.st[n].hi = kMmxExponent;
}

// Legacy SSE instructions with a 16-byte memory operand fault on a misaligned one, except the
// explicitly unaligned moves (Intel SDM Vol. 1 11.6.8).
enum class Align : uint8_t { None, Sixteen };
inline void check_alignment(uint64_t linear, Align align) {
    if (align == Align::Sixteen && (linear & 15) != 0) [[unlikely]]
        raise_gp(0);
}

// Memory operands: one access each, so that a 16-byte operand crossing a page faults before
// any byte moves (memory.h translates both pages first).
template <Align A>
inline Vec read_m128(Cpu& cpu, Insn const& insn) {
    uint64_t const linear = linear_address(cpu, insn);
    check_alignment(linear, A);
    return load(read_mem<Reg128>(cpu, linear));
}
template <Align A>
inline void write_m128(Cpu& cpu, Insn const& insn, Vec value) {
    uint64_t const linear = linear_address(cpu, insn);
    check_alignment(linear, A);
    Reg128 reg;
    store(reg, value);
    write_mem<Reg128>(cpu, linear, reg);
}
inline Vec read_m64(Cpu& cpu, Insn const& insn) {
    return _mm_cvtsi64_si128(
        static_cast<int64_t>(read_mem<uint64_t>(cpu, linear_address(cpu, insn))));
}
inline Vec read_m32(Cpu& cpu, Insn const& insn) {
    return _mm_cvtsi32_si128(static_cast<int>(read_mem<uint32_t>(cpu, linear_address(cpu, insn))));
}
inline uint64_t low64(Vec value) {
    return static_cast<uint64_t>(_mm_cvtsi128_si64(value));
}
inline Vec from64(uint64_t value) {
    return _mm_cvtsi64_si128(static_cast<int64_t>(value));
}

// Where the source (operand 1) of a "register op= source" instruction comes from. Memory
// operands are zero-extended to 16 bytes; M128 requires 16-byte alignment (the unaligned
// moves have their own handlers).
enum class Src : uint8_t { Xmm, Mm, M32, M64, M128 };

constexpr unsigned memory_size(Src src) {
    switch (src) {
    case Src::M32:
        return 4;
    case Src::M64:
        return 8;
    case Src::M128:
        return 16;
    default:
        return 0;
    }
}

template <Src S>
inline Vec source(Cpu& cpu, Insn const& insn) {
    if constexpr (S == Src::Xmm)
        return xmm(cpu, insn.op[1].reg);
    else if constexpr (S == Src::Mm)
        return from64(mm(cpu, insn.op[1].reg));
    else if constexpr (S == Src::M32)
        return read_m32(cpu, insn);
    else if constexpr (S == Src::M64)
        return read_m64(cpu, insn);
    else
        return read_m128<Align::Sixteen>(cpu, insn);
}

// MASKMOVDQU/MASKMOVQ: stores data[i] at DS:rDI + i for each set bit i of `mask`.
void masked_store(Cpu& cpu, Insn const& insn, uint8_t const* data, unsigned mask, unsigned size);

// An operand pattern for registration: registers of any width, memory of an exact width.
struct Pattern {
    OpKind kind;
    uint8_t size; // memory: its width; registers: an exact width, or 0 for any
};
inline constexpr Pattern kX{OpKind::Xmm, 0};
inline constexpr Pattern kMm{OpKind::Mmx, 0};
inline constexpr Pattern kR{OpKind::Gpr, 0};
inline constexpr Pattern kI{OpKind::Imm, 0};
constexpr Pattern mem(unsigned bytes) {
    return {OpKind::Mem, static_cast<uint8_t>(bytes)};
}
// A GPR of exactly `bytes` (kR takes any width).
constexpr Pattern gpr(unsigned bytes) {
    return {OpKind::Gpr, static_cast<uint8_t>(bytes)};
}
// The pattern of the source `S` (see Src).
constexpr Pattern pattern_of(Src s) {
    if (s == Src::Xmm)
        return kX;
    if (s == Src::Mm)
        return kMm;
    return mem(memory_size(s));
}

// Zydis reports the size of an XMM or MMX register operand as the part the instruction uses
// (R32 for ADDSS, R64 for MOVHLPS and for PUNPCKHBW's source, R32 for PUNPCKLDQ mm's), and a
// GPR of MOVMSKPS/PEXTRW as 32 bits even with REX.W. vireo's handlers take the operand width
// from the instruction, so each pattern is registered under every register size it may carry.
//
// Every other form of the mnemonic becomes #UD, so that no generic handler registered earlier
// for it (the stop-gap exec_simd_minimal.cpp) answers for a form these files do not know.
std::vector<Form> expand_forms(std::initializer_list<Pattern> pattern);

template <Handler H>
void add(Registry& registry, ZydisMnemonic mnemonic, std::initializer_list<Pattern> pattern) {
    for (Form const form : expand_forms(pattern))
        registry.add<H>(mnemonic, form);
    registry.add_any<handle_undefined>(mnemonic);
}

// The SSE/MMX handler files, registered by register_sse() and register_mmx() (handlers.h).
void register_sse_move(Registry& registry);    // exec_sse_move.cpp
void register_sse_fp(Registry& registry);      // exec_sse_fp.cpp
void register_sse_convert(Registry& registry); // exec_sse_convert.cpp
void register_sse_shuffle(Registry& registry); // exec_sse_shuffle.cpp
void register_sse_int(Registry& registry);     // exec_sse_int.cpp

} // namespace vireo::emu::simd
