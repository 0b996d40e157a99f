// How a VM ended, and the process exit status `vireo run` reports for it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "x86/cpu_state.h"

namespace vireo {

struct VmOutcome {
    enum class Kind {
        PoweredOff,    // ACPI S5
        Reset,         // the guest asked for a reboot
        DebugExit,     // the guest wrote to the debug-exit port
        TripleFault,   // a vCPU shut down
        InternalError, // the accelerator could not go on
        Stopped,       // the user or a signal ended the VM
    };
    Kind kind = Kind::PoweredOff;
    uint32_t debug_value = 0;
    int signal = 0;
    std::string detail;
    unsigned vcpu = 0;
    std::optional<x86::CpuState> state; // for TripleFault and InternalError
};

// Exit statuses of `vireo run` (documented in `vireo run --help` and the README). Odd values
// belong to the guest's debug-exit writes: (v << 1) | 1, as QEMU's isa-debug-exit.
inline constexpr int kExitPoweredOff = 0;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitTripleFault = 4;
inline constexpr int kExitInternalError = 6;
inline constexpr int kExitSignalBase = 128;

int exit_status_for(VmOutcome const& outcome);
std::string describe(VmOutcome const& outcome);

} // namespace vireo
