#include "hostcheck/checks.h"
#include "hostcheck/hostcheck.h"
#include "kvm/kvm_system.h"

namespace vireo::hostcheck {
namespace {

void append(std::vector<CheckResult>& results, std::vector<CheckResult> more) {
    results.insert(results.end(), std::make_move_iterator(more.begin()),
                   std::make_move_iterator(more.end()));
}

// What KVM itself says, in the order a user would fix things: the device, the API, the
// capabilities, the limits, and last how fast it runs a guest kernel.
std::vector<CheckResult> kvm_checks(Result<kvm::KvmSystem> const& system) {
    if (!system)
        return {kvm_unusable(system.error())};
    auto const check_extension = [&](int capability) {
        return system->check_extension(capability);
    };
    std::vector<CheckResult> results = {check_api_version(system->api_version())};
    append(results, check_capabilities(check_extension));
    results.push_back(check_vcpu_limits(check_extension));
    results.push_back(check_kernel_mode(probe_kernel_mode_speed(*system, true)));
    return results;
}

} // namespace

std::vector<CheckResult> run_file_checks(HostRoot const& root) {
    std::vector<CheckResult> results;
    results.push_back(check_ksm(root));
    results.push_back(check_transparent_hugepages(root));
    results.push_back(check_hugetlb(root));
    results.push_back(check_tun_device(root));
    append(results, check_vhost_devices(root));
    append(results, check_cgroups(root));
    results.push_back(check_user_namespaces(root));
    return results;
}

std::vector<CheckResult> run_host_checks() {
    HostRoot const root;
    auto const system = kvm::KvmSystem::open();
    std::vector<CheckResult> results = {check_kvm_device(root)};
    results.push_back(check_virtualization_extensions(root, system.has_value()));
    append(results, kvm_checks(system));
    append(results, run_file_checks(root));
    return results;
}

} // namespace vireo::hostcheck
