#include "vmm/accel_select.h"

#include <unistd.h>

#include "hostcheck/kernel_mode_probe.h"
#include "kvm/kvm_accelerator.h"
#include "kvm/kvm_system.h"
#ifdef VIREO_HAVE_EMU
#include "emu/emu_accelerator.h"
#endif

namespace vireo {

Result<AccelDecision> decide_accelerator(AccelChoice requested) {
    if (requested != AccelChoice::Auto)
        return AccelDecision{requested, {}};
    if (access(kvm::kDevicePath, R_OK | W_OK) != 0)
        return AccelDecision{AccelChoice::Emu,
                             fmt::format("{} is not usable here", kvm::kDevicePath)};
    auto probe = hostcheck::probe_kernel_mode_speed(false);
    if (!probe)
        return AccelDecision{AccelChoice::Emu,
                             fmt::format("KVM probe failed: {}", probe.error().message())};
    if (probe->native)
        return AccelDecision{AccelChoice::Kvm,
                             fmt::format("KVM runs guest kernel code natively ({:.0f} M "
                                         "instructions/s)",
                                         probe->instructions_per_second / 1e6)};
    return AccelDecision{AccelChoice::Emu,
                         fmt::format("KVM on this host emulates guest kernel mode ({:.1f} M "
                                     "instructions/s)",
                                     probe->instructions_per_second / 1e6)};
}

Result<std::unique_ptr<Accelerator>> create_accelerator(AccelChoice choice,
                                                        AccelConfig const& config) {
    if (choice == AccelChoice::Kvm)
        return TRY_CONTEXT(kvm::KvmAccelerator::create(config), "--accel kvm");
#ifdef VIREO_HAVE_EMU
    return TRY_CONTEXT(create_emu_accelerator(config), "--accel emu");
#else
    return make_error("--accel emu: vireo's emulator is not part of this build yet");
#endif
}

} // namespace vireo
