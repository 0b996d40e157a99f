// A throwaway KVM virtual machine that times a tight register loop, to learn whether this
// host's KVM runs guest code natively or emulates it (see README.md in this folder).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/fd.h"
#include "base/result.h"
#include "kvm/kvm_system.h"

struct kvm_run;

namespace vireo::hostcheck {

// The privilege level the loop runs at: ring 0 is where a guest kernel runs, ring 3 where
// its processes run. Nested KVM implementations can treat the two very differently.
enum class Privilege { Kernel, User };

// An mmap()ed range, unmapped when it goes out of scope.
class Mapping {
public:
    Mapping() = default;
    Mapping(void* address, size_t size)
        : address_(address)
        , size_(size) {}
    Mapping(Mapping&& other) noexcept;
    Mapping& operator=(Mapping&& other) noexcept;
    Mapping(Mapping const&) = delete;
    Mapping& operator=(Mapping const&) = delete;
    ~Mapping();

    [[nodiscard]] void* get() const { return address_; }

private:
    void* address_ = nullptr;
    size_t size_ = 0;
};

// One vCPU, no in-kernel irqchip, four pages of RAM (the loop and an identity map), flat
// 64-bit mode: the mode a Linux guest kernel runs in, so the figure is the one that matters.
class ProbeVm {
public:
    static Result<ProbeVm> create(kvm::KvmSystem const& system);

    // Runs `dec ecx; jnz` `iterations` times at `privilege`, then a store to unbacked memory
    // that exits to vireo.
    // Returns the wall time spent inside KVM_RUN only.
    Result<std::chrono::nanoseconds> run_loop(uint32_t iterations, Privilege privilege);

    // Instructions one run executes: the two loop instructions per iteration and the store.
    static uint64_t instructions_for(uint32_t iterations) { return 2ULL * iterations + 1; }

private:
    ProbeVm(UniqueFd vm, UniqueFd vcpu, Mapping ram, Mapping run)
        : vm_(std::move(vm))
        , vcpu_(std::move(vcpu))
        , ram_(std::move(ram))
        , run_(std::move(run)) {}

    [[nodiscard]] kvm_run* run_area() const { return static_cast<kvm_run*>(run_.get()); }
    Result<void> enter_loop(uint32_t iterations, Privilege privilege);
    Result<std::chrono::nanoseconds> run_until_out();
    Result<void> complete_exit();
    Result<void> check_loop_finished();
    [[nodiscard]] std::string where() const;

    UniqueFd vm_;
    UniqueFd vcpu_;
    Mapping ram_;
    Mapping run_;
};

} // namespace vireo::hostcheck
