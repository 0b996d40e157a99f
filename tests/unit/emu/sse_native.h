// Runs the same instruction bytes on the host processor and on the emulator from one state,
// for the x87/MMX/SSE tests: the host is the reference, so expected values are never typed in
// by hand where the host can compute them. The state is what those instructions touch: the
// FXSAVE image, RAX/RCX/RDX, the arithmetic flags and 128 bytes of data that RSI and RDI point
// to. Code under test must not use the stack or RIP-relative operands, and must not raise
// anything natively (no unmasked SSE exception, no misaligned MOVAPS): native faults would
// kill the test.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "emu/fxsave.h"
#include "harness.h"

namespace vireo::emu::test {

struct SimdState {
    FxsaveArea fpu;
    uint64_t rax = 0;
    uint64_t rcx = 0;
    uint64_t rdx = 0;
    uint64_t flags = 0; // arithmetic flags only
    alignas(16) std::array<uint8_t, 128> data{};
};

SimdState run_native(std::vector<uint8_t> const& code, SimdState const& state);

struct EmulatedRun {
    SimdState state;
    ExecResult result;
};
// Sets CR4.OSFXSR and CR4.OSXMMEXCPT, as an SSE-aware kernel does.
void enable_sse(Harness& h);

EmulatedRun run_emulated(Harness& h, std::vector<uint8_t> const& code, SimdState const& state);

// The first difference between two states, or "" when they agree. FIP, FDP and FOP are not
// compared: they hold host addresses natively.
std::string difference(SimdState const& expected, SimdState const& actual);

// Zydis's Intel-syntax text for `code`, to check that a test's comment is the instruction.
std::string disassembly(std::vector<uint8_t> const& code);

// Runs natively and emulated (SSE enabled) and reports any difference (with the instruction's
// text).
std::string compare_with_host(Harness& h, std::vector<uint8_t> const& code, SimdState const& state);

// Values for the x87 image: an 80-bit register from a host long double.
void set_st(SimdState& state, unsigned i, long double value);
long double get_st(SimdState const& state, unsigned i);

} // namespace vireo::emu::test
