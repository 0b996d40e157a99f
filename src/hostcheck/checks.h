// The individual host checks. File-based checks read through a HostRoot; checks that need
// KVM's answers take them as values, so every verdict and its wording can be unit-tested.
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "hostcheck/check_result.h"
#include "hostcheck/host_root.h"
#include "hostcheck/kernel_mode_probe.h"

namespace vireo::hostcheck {

// Device nodes (device_checks.cpp).
CheckResult check_kvm_device(HostRoot const& root);
CheckResult check_tun_device(HostRoot const& root);
std::vector<CheckResult> check_vhost_devices(HostRoot const& root);

// KVM's answers (kvm_checks.cpp).
CheckResult check_api_version(int version);
// `check_extension` is KvmSystem::check_extension, or a fake in tests.
std::vector<CheckResult> check_capabilities(std::function<int(int)> const& check_extension);
CheckResult check_vcpu_limits(std::function<int(int)> const& check_extension);
CheckResult check_kernel_mode(Result<KernelModeProbe> const& probe);
// Stands in for the checks above when /dev/kvm cannot be opened.
CheckResult kvm_unusable(Error const& error);

// The processor and the KVM module (cpu_checks.cpp). `kvm_usable`: /dev/kvm opened.
CheckResult check_virtualization_extensions(HostRoot const& root, bool kvm_usable);

// Memory (memory_checks.cpp).
CheckResult check_ksm(HostRoot const& root);
CheckResult check_transparent_hugepages(HostRoot const& root);
CheckResult check_hugetlb(HostRoot const& root);

// Isolation for the daemon and containers (isolation_checks.cpp).
std::vector<CheckResult> check_cgroups(HostRoot const& root);
CheckResult check_user_namespaces(HostRoot const& root);

} // namespace vireo::hostcheck
