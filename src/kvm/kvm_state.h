// Conversion between vireo's architectural state and KVM's register structures.
#pragma once

#include "kvm/kvm_uapi.h"
#include "x86/cpu_state.h"

namespace vireo::kvm {

x86::CpuState state_from_kvm(kvm_regs const& regs, kvm_sregs const& sregs);
void state_to_kvm(x86::CpuState const& state, kvm_regs& regs, kvm_sregs& sregs);

} // namespace vireo::kvm
