#include <algorithm>
#include <array>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/units.h"
#include "hostcheck/checks.h"

namespace vireo::hostcheck {
namespace {

// Documentation/admin-guide/cgroup-v2.rst: a v2 hierarchy lists its controllers in
// cgroup.controllers. A unified host mounts it at /sys/fs/cgroup; a hybrid host mounts v1
// controllers there and v2 at /sys/fs/cgroup/unified (systemd's layout).
constexpr std::string_view kUnifiedControllers = "/sys/fs/cgroup/cgroup.controllers";
constexpr std::string_view kHybridControllers = "/sys/fs/cgroup/unified/cgroup.controllers";
// Documentation/admin-guide/cgroup-v1/cgroups.rst: one line per controller, "name hierarchy
// num_cgroups enabled"; hierarchy 0 means not mounted on any v1 hierarchy.
constexpr std::string_view kProcCgroups = "/proc/cgroups";

// The controllers that limit a VM's CPU time, memory and disk I/O, and their v1 names (v2's io was
// v1's blkio).
struct Controller {
    std::string_view v2_name;
    std::string_view v1_name;
};
constexpr std::array<Controller, 3> kControllers = {{
    {"cpu", "cpu"},
    {"memory", "memory"},
    {"io", "blkio"},
}};

// Documentation/admin-guide/sysctl/user.rst. The other two switches exist only on some
// distributions' kernels: Debian's patch and Ubuntu's AppArmor restriction.
constexpr std::string_view kMaxUserNamespaces = "/proc/sys/user/max_user_namespaces";
constexpr std::string_view kUnprivilegedClone = "/proc/sys/kernel/unprivileged_userns_clone";
constexpr std::string_view kAppArmorRestriction =
    "/proc/sys/kernel/apparmor_restrict_unprivileged_userns";

enum class CgroupLayout { Unified, Hybrid, Legacy, None };

struct CgroupState {
    CgroupLayout layout = CgroupLayout::None;
    std::vector<std::string> v2; // controllers of the v2 hierarchy
    std::vector<std::string> v1; // controllers mounted on v1 hierarchies
};

std::vector<std::string> words_of(std::optional<std::string> const& text) {
    std::vector<std::string> words;
    if (text) {
        for (auto word : split_words(*text))
            words.emplace_back(word);
    }
    return words;
}

std::vector<std::string> mounted_v1_controllers(HostRoot const& root) {
    std::vector<std::string> controllers;
    auto const table = root.read_file(kProcCgroups);
    if (!table)
        return controllers;
    for (auto line : split_lines(*table)) {
        auto const fields = split_words(line);
        if (fields.size() < 4 || fields[0].starts_with('#'))
            continue;
        if (fields[1] != "0" && fields[3] == "1")
            controllers.emplace_back(fields[0]);
    }
    return controllers;
}

CgroupState read_cgroups(HostRoot const& root) {
    CgroupState state;
    state.v1 = mounted_v1_controllers(root);
    if (root.exists(kUnifiedControllers)) {
        state.layout = CgroupLayout::Unified;
        state.v2 = words_of(root.read_file(kUnifiedControllers));
    } else if (root.exists(kHybridControllers)) {
        state.layout = CgroupLayout::Hybrid;
        state.v2 = words_of(root.read_file(kHybridControllers));
    } else if (!state.v1.empty()) {
        state.layout = CgroupLayout::Legacy;
    }
    return state;
}

bool contains(std::vector<std::string> const& list, std::string_view item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

std::string listed(std::vector<std::string> const& list) {
    return list.empty() ? std::string("none") : fmt::format("{}", fmt::join(list, " "));
}

CheckResult layout_check(CgroupState const& state) {
    std::string const name = "cgroups";
    switch (state.layout) {
    case CgroupLayout::Unified:
        return {name, CheckStatus::Pass,
                fmt::format("v2 unified at /sys/fs/cgroup; controllers: {}", listed(state.v2))};
    case CgroupLayout::Hybrid:
        return {name, CheckStatus::Pass,
                fmt::format("hybrid: v2 at /sys/fs/cgroup/unified (controllers: {}), v1 "
                            "controllers: {}",
                            listed(state.v2), listed(state.v1))};
    case CgroupLayout::Legacy:
        return {name, CheckStatus::Pass, fmt::format("v1 only; controllers: {}", listed(state.v1))};
    case CgroupLayout::None:
        break;
    }
    return {name, CheckStatus::Warn,
            "no cgroup hierarchy mounted: VMs cannot be confined to CPU, memory or I/O limits"};
}

CheckResult controller_check(CgroupState const& state, Controller controller) {
    std::string const name = fmt::format("cgroup {} controller", controller.v2_name);
    if (contains(state.v2, controller.v2_name))
        return {name, CheckStatus::Pass, "cgroup v2"};
    if (contains(state.v1, controller.v1_name))
        return {name, CheckStatus::Pass, fmt::format("cgroup v1 ({})", controller.v1_name)};
    return {name, CheckStatus::Warn,
            fmt::format("neither in the v2 hierarchy nor mounted on v1 ({} or {}): no {} "
                        "limits for VMs",
                        controller.v2_name, controller.v1_name, controller.v2_name)};
}

} // namespace

std::vector<CheckResult> check_cgroups(HostRoot const& root) {
    CgroupState const state = read_cgroups(root);
    std::vector<CheckResult> results = {layout_check(state)};
    for (auto const& controller : kControllers)
        results.push_back(controller_check(state, controller));
    return results;
}

CheckResult check_user_namespaces(HostRoot const& root) {
    std::string const name = "user namespaces";
    auto const maximum = root.read_value(kMaxUserNamespaces);
    if (!maximum)
        return {name, CheckStatus::Warn,
                fmt::format("{} missing: kernel without user namespaces (CONFIG_USER_NS)",
                            kMaxUserNamespaces)};
    auto const count = parse_unsigned(*maximum);
    if (!count || *count == 0)
        return {
            name, CheckStatus::Warn,
            fmt::format("disabled (max_user_namespaces={}): no unprivileged containers", *maximum)};
    std::string evidence = fmt::format("max_user_namespaces={}", *maximum);
    if (auto const clone = root.read_value(kUnprivilegedClone)) {
        if (*clone == "0")
            return {name, CheckStatus::Warn,
                    evidence + ", kernel.unprivileged_userns_clone=0: only root may create them"};
        evidence += fmt::format(", kernel.unprivileged_userns_clone={}", *clone);
    }
    if (auto const apparmor = root.read_value(kAppArmorRestriction); apparmor && *apparmor != "0")
        return {name, CheckStatus::Warn,
                evidence + fmt::format(", kernel.apparmor_restrict_unprivileged_userns={}: "
                                       "unprivileged ones need an AppArmor profile",
                                       *apparmor)};
    return {name, CheckStatus::Pass, evidence};
}

} // namespace vireo::hostcheck
