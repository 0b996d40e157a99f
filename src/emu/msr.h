// Model-specific registers the emulated processor implements. Reads and writes of anything
// else raise #GP(0), which Linux's rdmsr_safe/wrmsr_safe expect of absent MSRs.
#pragma once

#include <cstdint>
#include <optional>

#include "emu/cpu.h"

namespace vireo::emu {

// The guest's time-stamp counter: host CLOCK_MONOTONIC scaled to kTscHz, plus the guest's
// offset. All vCPUs read the same clock, so the TSC is synchronised across them.
uint64_t read_tsc(Cpu const& cpu);
uint64_t host_nanoseconds();

std::optional<uint64_t> read_msr(Cpu& cpu, uint32_t index);
// Returns false when the write must raise #GP.
bool write_msr(Cpu& cpu, uint32_t index, uint64_t value);

// Hooks for MSRs another component owns (the LAPIC's TSC deadline), set by the vCPU.
struct MsrHooks {
    virtual ~MsrHooks() = default;
    virtual std::optional<uint64_t> read(uint32_t index) = 0;
    virtual bool write(uint32_t index, uint64_t value) = 0; // false: not handled
};

} // namespace vireo::emu
