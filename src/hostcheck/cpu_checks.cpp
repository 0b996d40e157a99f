#include <algorithm>
#include <array>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "hostcheck/checks.h"

namespace vireo::hostcheck {
namespace {

// Linux lists CPUID feature bits as the "flags" of /proc/cpuinfo
// (arch/x86/include/asm/cpufeatures.h):
//   vmx: CPUID.1:ECX[5], Intel VT-x (Intel SDM Vol. 3C 24.6, discovering support for VMX)
//   svm: CPUID.80000001h:ECX[2], AMD-V (AMD APM Vol. 2 15.4, enabling SVM)
//   hypervisor: CPUID.1:ECX[31], which hypervisors set for their guests
constexpr std::string_view kVmxFlag = "vmx";
constexpr std::string_view kSvmFlag = "svm";
constexpr std::string_view kHypervisorFlag = "hypervisor";

// The vendor half of KVM ("kvm" itself is the common core): VMX, SVM, and PVM, the
// Pagetable-based Virtual Machine that needs neither, for hosts that are themselves VMs; it
// runs guest ring 3 natively and emulates guest ring 0.
constexpr std::array<std::string_view, 3> kKvmModules = {"kvm_intel", "kvm_amd", "kvm_pvm"};

std::vector<std::string> cpu_flags(HostRoot const& root) {
    std::vector<std::string> flags;
    auto const cpuinfo = root.read_file("/proc/cpuinfo");
    if (!cpuinfo)
        return flags;
    for (auto line : split_lines(*cpuinfo)) {
        size_t const colon = line.find(':');
        if (colon == std::string_view::npos || trim(line.substr(0, colon)) != "flags")
            continue;
        // Every processor lists the same flags; the first is enough.
        for (auto word : split_words(line.substr(colon + 1)))
            flags.emplace_back(word);
        break;
    }
    return flags;
}

bool has_flag(std::vector<std::string> const& flags, std::string_view flag) {
    return std::find(flags.begin(), flags.end(), flag) != flags.end();
}

// Loaded modules are in /proc/modules; built-in ones (and kernels without module support,
// where /proc/modules is absent) show up as directories in /sys/module.
bool module_present(HostRoot const& root, std::string_view name) {
    if (auto const modules = root.read_file("/proc/modules")) {
        for (auto line : split_lines(*modules)) {
            auto const words = split_words(line);
            if (!words.empty() && words.front() == name)
                return true;
        }
    }
    return root.exists(fmt::format("/sys/module/{}", name));
}

std::optional<std::string_view> find_kvm_module(HostRoot const& root) {
    for (auto const module : kKvmModules) {
        if (module_present(root, module))
            return module;
    }
    return std::nullopt;
}

std::string module_evidence(std::optional<std::string_view> module) {
    return module ? fmt::format("KVM module {}", *module)
                  : std::string("no kvm_intel, kvm_amd or kvm_pvm module");
}

} // namespace

CheckResult check_virtualization_extensions(HostRoot const& root, bool kvm_usable) {
    std::string const name = "CPU virtualization extensions";
    auto const flags = cpu_flags(root);
    auto const module = find_kvm_module(root);
    std::string const nested = has_flag(flags, kHypervisorFlag)
                                   ? "; this host is itself a VM (nested virtualization)"
                                   : "";
    for (auto flag : {kVmxFlag, kSvmFlag}) {
        if (!has_flag(flags, flag))
            continue;
        std::string const evidence =
            fmt::format("{} in /proc/cpuinfo, {}{}", flag, module_evidence(module), nested);
        if (module || kvm_usable)
            return {name, CheckStatus::Pass, evidence};
        return {name, CheckStatus::Warn,
                fmt::format("{}: load it (modprobe {})", evidence,
                            flag == kVmxFlag ? "kvm_intel" : "kvm_amd")};
    }
    if (kvm_usable || module)
        return {name, CheckStatus::Warn,
                fmt::format("no vmx or svm in /proc/cpuinfo, yet KVM works ({}): nested, "
                            "paravirtual KVM on a host that is itself a VM; guest kernel code "
                            "may be emulated (see the native-speed check)",
                            module_evidence(module))};
    return {name, CheckStatus::Fail,
            fmt::format("no vmx or svm in /proc/cpuinfo and no usable KVM{}: the processor, or "
                        "the hypervisor this host runs in, offers no hardware virtualization; "
                        "use --accel emu",
                        nested)};
}

} // namespace vireo::hostcheck
