#include <fmt/format.h>

#include "hostcheck/checks.h"
#include "kvm/kvm_system.h"
#include "kvm/kvm_uapi.h"

namespace vireo::hostcheck {
namespace {

// When a KVM lacks the capabilities that report vCPU limits, api.rst 4.7 (KVM_CREATE_VCPU)
// says to assume 4 for the recommended count, and the recommended count for the maximum.
constexpr int kAssumedVcpusWithoutCapability = 4;

} // namespace

CheckResult check_api_version(int version) {
    std::string const name = "KVM API version";
    // api.rst 4.1: 12 is the stable API; no other value will ever be returned by a kernel
    // vireo can use.
    if (version == kvm::kStableApiVersion)
        return {name, CheckStatus::Pass, std::to_string(version)};
    return {name, CheckStatus::Fail,
            fmt::format("{}, vireo needs {} (the stable API)", version, kvm::kStableApiVersion)};
}

std::vector<CheckResult> check_capabilities(std::function<int(int)> const& check_extension) {
    std::vector<CheckResult> results;
    for (auto const& capability : kvm::required_capabilities()) {
        bool const present = check_extension(capability.id) != 0;
        results.push_back(
            {std::string(capability.name), present ? CheckStatus::Pass : CheckStatus::Fail,
             fmt::format("{}: {}", present ? "present" : "missing, needed for", capability.why)});
    }
    return results;
}

CheckResult check_vcpu_limits(std::function<int(int)> const& check_extension) {
    int recommended = check_extension(KVM_CAP_NR_VCPUS);
    if (recommended == 0)
        recommended = kAssumedVcpusWithoutCapability;
    int maximum = check_extension(KVM_CAP_MAX_VCPUS);
    if (maximum == 0)
        maximum = recommended;
    // KVM recommends no more vCPUs per VM than the host has CPUs online; more is allowed
    // (overcommit) up to the maximum.
    return {"KVM vCPUs per VM", CheckStatus::Pass,
            fmt::format("recommended {} (KVM_CAP_NR_VCPUS), maximum {} (KVM_CAP_MAX_VCPUS)",
                        recommended, maximum)};
}

CheckResult check_kernel_mode(Result<KernelModeProbe> const& probe) {
    std::string const name = "KVM runs guest kernel code natively";
    if (!probe)
        return {name, CheckStatus::Fail,
                fmt::format("could not run a probe VM: {}", probe.error().message())};
    // Emulated ring 0 is a warning, not a failure: vireo still runs every guest, on its own
    // emulator, and `--accel auto` picks it.
    return {name, probe->native ? CheckStatus::Pass : CheckStatus::Warn, probe->explanation};
}

CheckResult kvm_unusable(Error const& error) {
    return {"KVM", CheckStatus::Fail,
            fmt::format("{}; API version, capability and speed checks skipped", error.message())};
}

} // namespace vireo::hostcheck
