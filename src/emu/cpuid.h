// vireo's CPUID profile: a GenuineIntel processor that advertises only what the emulator
// implements, with the TSC and LAPIC timer frequencies in leaves 0x15/0x16 so Linux need
// not calibrate them (arch/x86/kernel/tsc.c native_calibrate_tsc()).
#pragma once

#include <cstdint>

#include "emu/cpu.h"

namespace vireo::emu {

struct CpuidResult {
    uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
};

// The crystal clock of leaf 0x15, which is also the LAPIC timer's input clock, and the TSC
// frequency derived from it (TSC = crystal * kTscRatio).
inline constexpr uint64_t kCrystalHz = 25'000'000;
inline constexpr uint32_t kTscRatio = 40;
inline constexpr uint64_t kTscHz = kCrystalHz * kTscRatio; // 1 GHz

CpuidResult cpuid(Cpu const& cpu, uint32_t leaf, uint32_t subleaf);

} // namespace vireo::emu
