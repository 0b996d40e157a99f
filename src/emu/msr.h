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

// State another component owns: the LAPIC's base, TSC deadline and task priority (CR8).
// The vCPU installs an implementation; without one, the CPU keeps these itself.
struct CpuHooks {
    virtual ~CpuHooks() = default;
    // An MSR the hooks implement: its value, or nullopt to fall back to read_msr().
    virtual std::optional<uint64_t> read_msr(uint32_t index) = 0;
    enum class WriteResult { NotHandled, Done, Fault };
    virtual WriteResult write_msr(uint32_t index, uint64_t value) = 0;
    virtual uint8_t read_cr8() = 0;
    virtual void write_cr8(uint8_t value) = 0;
};

} // namespace vireo::emu
