// Choosing and creating the accelerator for `--accel auto|kvm|emu`.
#pragma once

#include <memory>
#include <string>

#include "accel/accel.h"
#include "vmm/vm_config.h"

namespace vireo {

struct AccelDecision {
    AccelChoice choice; // Kvm or Emu, never Auto
    std::string reason; // one line: why, with the measured figure for auto
};

// Resolves Auto with the host check's cheap kernel-mode probe.
Result<AccelDecision> decide_accelerator(AccelChoice requested);

Result<std::unique_ptr<Accelerator>> create_accelerator(AccelChoice choice,
                                                        AccelConfig const& config);

} // namespace vireo
