// vireo's own x86-64 emulator behind the Accelerator interface (`--accel emu`): guest RAM
// shared with the VMM, one host thread per vCPU running the block executor, and the
// interrupt controllers and timers of src/irqchip, which KVM would keep in the kernel.
#pragma once

#include <memory>

#include "accel/accel.h"
#include "base/result.h"

namespace vireo {

Result<std::unique_ptr<Accelerator>> create_emu_accelerator(AccelConfig const& config);

} // namespace vireo
