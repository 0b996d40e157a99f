#include "vmm/vm_outcome.h"

#include <csignal>
#include <cstring>

#include <fmt/format.h>

namespace vireo {

int exit_status_for(VmOutcome const& outcome) {
    switch (outcome.kind) {
    case VmOutcome::Kind::PoweredOff:
    case VmOutcome::Kind::Reset:
        return kExitPoweredOff;
    case VmOutcome::Kind::DebugExit:
        // The shell sees only the low eight bits, as with QEMU.
        return static_cast<int>(((outcome.debug_value << 1) | 1) & 0xff);
    case VmOutcome::Kind::TripleFault:
        return kExitTripleFault;
    case VmOutcome::Kind::InternalError:
        return kExitInternalError;
    case VmOutcome::Kind::Stopped:
        return outcome.signal != 0 ? kExitSignalBase + outcome.signal : kExitPoweredOff;
    }
    return kExitInternalError;
}

std::string describe(VmOutcome const& outcome) {
    switch (outcome.kind) {
    case VmOutcome::Kind::PoweredOff:
        return "guest powered off";
    case VmOutcome::Kind::Reset:
        return "guest requested a reset";
    case VmOutcome::Kind::DebugExit:
        return fmt::format("guest wrote {:#x} to the debug-exit port", outcome.debug_value);
    case VmOutcome::Kind::TripleFault:
        return fmt::format("vCPU {} triple-faulted: {}", outcome.vcpu, outcome.detail);
    case VmOutcome::Kind::InternalError:
        return fmt::format("vCPU {}: {}", outcome.vcpu, outcome.detail);
    case VmOutcome::Kind::Stopped:
        return outcome.signal != 0 ? fmt::format("stopped by signal {}", strsignal(outcome.signal))
                                   : std::string("stopped by the user");
    }
    return "unknown outcome";
}

} // namespace vireo
