// Random initial states: values chosen to reach the corners where emulators go wrong
// (zeros, all-ones, sign boundaries, denormals, infinities, NaNs, unsupported x87 encodings),
// mixed with plain random bits.
#pragma once

#include <span>

#include "machine_state.h"
#include "rng.h"

namespace vireo::difftest {

uint64_t interesting_u64(Rng& rng);
// A valid FXSAVE image: what FXRSTOR accepts without #GP (MXCSR reserved bits clear).
Fxsave random_fpu_state(Rng& rng);
void fill_random(Rng& rng, std::span<uint8_t> bytes);
MachineState random_machine_state(Rng& rng);

} // namespace vireo::difftest
