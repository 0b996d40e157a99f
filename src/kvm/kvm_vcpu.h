// One KVM vCPU: its file descriptor, the shared kvm_run page, and the exit loop that hands
// port and MMIO accesses to the VMM.
#pragma once

#include <atomic>
#include <span>

#include <pthread.h>

#include "accel/accel.h"
#include "base/fd.h"
#include "x86/cpuid.h"

struct kvm_run;

namespace vireo::kvm {

class KvmVcpu final : public Vcpu {
public:
    static Result<std::unique_ptr<Vcpu>> create(int vm_fd, unsigned index, int mmap_size,
                                                std::span<x86::CpuidEntry const> cpuid,
                                                IoHandler& io);
    ~KvmVcpu() override;

    unsigned index() const override { return index_; }
    Result<VcpuExit> run() override;
    void kick() override;
    Result<x86::CpuState> get_state() override;
    Result<void> set_state(x86::CpuState const& state) override;

private:
    KvmVcpu(UniqueFd fd, unsigned index, kvm_run* run, int mmap_size, IoHandler& io);
    Result<void> set_cpuid(std::span<x86::CpuidEntry const> cpuid);
    Result<void> set_firmware_msrs();
    Result<void> set_firmware_lapic();
    Result<void> set_initial_fpu();
    // Handles one exit; returns an exit for the VMM, or nothing to re-enter the guest.
    std::optional<VcpuExit> handle_exit();
    void handle_io();
    void handle_mmio();

    UniqueFd fd_;
    unsigned index_;
    kvm_run* run_;
    int mmap_size_;
    IoHandler& io_;
    std::atomic<bool> kicked_{false};
    std::atomic<pthread_t> thread_{};
    std::atomic<bool> thread_known_{false};
};

} // namespace vireo::kvm
