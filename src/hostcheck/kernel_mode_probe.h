// Does this host's KVM run guest kernel code natively? On nested, paravirtual KVM (kvm_pvm)
// ring 0 is emulated instruction by instruction, too slow to boot Linux; `--accel auto` and
// `vireo host-validate` both ask this probe. Method and cost: README.md in this folder.
#pragma once

#include <optional>
#include <string>

#include "base/result.h"
#include "kvm/kvm_system.h"

namespace vireo::hostcheck {

struct KernelModeProbe {
    bool native = false;
    double instructions_per_second = 0; // guest ring 0
    std::string explanation;            // one line, with the figures, for the user
    // The same loop at guest ring 3, measured only for a precise probe; empty when not
    // measured or when KVM would not run it.
    std::optional<double> user_instructions_per_second;
};

// At or above this rate the CPU itself runs guest ring 0. Native execution of the loop
// retires about one iteration per cycle (billions of instructions per second) and loses at
// most tens of microseconds to VM entry and exit even on nested hardware virtualization;
// KVM's instruction emulator manages a few million per second (docs host.md: 1.9 M/s).
// The threshold sits more than an order of magnitude from both.
inline constexpr double kNativeInstructionsPerSecond = 100e6;

// Times the loop in a throwaway VM. Cheap (one loop of about 40,000 instructions, ~20 ms when
// emulated, well under 1 ms when native); `precise` lengthens a native run so the figure is
// not dominated by VM entry cost, and adds the ring 3 figure. VM creation is not timed.
Result<KernelModeProbe> probe_kernel_mode_speed(bool precise);
Result<KernelModeProbe> probe_kernel_mode_speed(kvm::KvmSystem const& system, bool precise);

// Classification and wording, apart from the measurement so they can be tested.
KernelModeProbe classify_kernel_mode_speed(double kernel_instructions_per_second,
                                           std::optional<double> user_instructions_per_second);

// "1.9 M", "2.3 G", "850 k": a rate in instructions per second, three significant digits.
std::string format_rate(double instructions_per_second);

} // namespace vireo::hostcheck
