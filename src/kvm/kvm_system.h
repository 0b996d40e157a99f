// The host's KVM: /dev/kvm, its API version and capabilities (Documentation/virt/kvm/api.rst).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "base/fd.h"
#include "base/result.h"
#include "x86/cpuid.h"

namespace vireo::kvm {

inline constexpr char const* kDevicePath = "/dev/kvm";
// KVM_GET_API_VERSION returns 12 for the stable API (api.rst 4.1).
inline constexpr int kStableApiVersion = 12;

// A capability vireo relies on, with the reason it needs it (host-validate prints both).
struct RequiredCapability {
    int id;
    std::string_view name;
    std::string_view why;
};
std::vector<RequiredCapability> const& required_capabilities();

class KvmSystem {
public:
    static Result<KvmSystem> open();

    int fd() const { return fd_.get(); }
    int api_version() const;
    // KVM_CHECK_EXTENSION: 0 when absent, otherwise a capability-specific positive value.
    int check_extension(int capability) const;
    int vcpu_mmap_size() const;
    Result<std::vector<x86::CpuidEntry>> supported_cpuid() const;
    Result<UniqueFd> create_vm() const;

    // Checks API version and every required capability; the first missing one is the error.
    Result<void> verify() const;

private:
    explicit KvmSystem(UniqueFd fd)
        : fd_(std::move(fd)) {}
    UniqueFd fd_;
};

} // namespace vireo::kvm
