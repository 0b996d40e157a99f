// Full virtualization on KVM: the VM file descriptor, its in-kernel interrupt controllers and
// timer, guest memory slots and vCPUs.
#pragma once

#include <memory>
#include <vector>

#include "accel/accel.h"
#include "base/fd.h"
#include "kvm/kvm_system.h"
#include "x86/cpuid.h"

namespace vireo::kvm {

class KvmAccelerator final : public Accelerator, private InterruptController {
public:
    static Result<std::unique_ptr<KvmAccelerator>> create(AccelConfig const& config);

    std::string_view name() const override { return "kvm"; }
    Result<void> map_memory(GuestMemory& memory) override;
    Result<std::unique_ptr<Vcpu>> create_vcpu(unsigned index, IoHandler& io) override;
    InterruptController& interrupts() override { return *this; }
    bool add_doorbell(uint64_t address, uint32_t length, uint64_t value, int fd) override;
    void remove_doorbell(uint64_t address, uint32_t length, uint64_t value, int fd) override;

    int vm_fd() const { return vm_.get(); }
    KvmSystem const& system() const { return system_; }

private:
    KvmAccelerator(KvmSystem system, UniqueFd vm, AccelConfig const& config,
                   x86::CpuProfile profile, std::vector<x86::CpuidEntry> supported_cpuid);
    Result<void> create_platform();
    Result<void> set_irq_routing();

    void set_irq(uint32_t gsi, bool level) override;
    void signal_msi(uint64_t address, uint32_t data) override;

    KvmSystem system_;
    UniqueFd vm_;
    AccelConfig config_;
    x86::CpuProfile profile_;
    std::vector<x86::CpuidEntry> supported_cpuid_;
    int vcpu_mmap_size_ = 0;
};

} // namespace vireo::kvm
