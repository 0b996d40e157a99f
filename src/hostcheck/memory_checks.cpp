#include <algorithm>
#include <array>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/units.h"
#include "hostcheck/checks.h"

namespace vireo::hostcheck {
namespace {

// Documentation/admin-guide/mm/ksm.rst: run is 0 (stopped), 1 (merging) or 2 (unmerging
// every merged page and stopping).
constexpr std::string_view kKsmRun = "/sys/kernel/mm/ksm/run";
constexpr std::string_view kKsmPagesSharing = "/sys/kernel/mm/ksm/pages_sharing";
constexpr std::array<std::string_view, 3> kKsmRunStates = {"stopped", "merging", "unmerging"};

// Documentation/admin-guide/mm/transhuge.rst. Guest RAM is a memfd, that is shmem, so its
// huge pages follow shmem_enabled, not enabled.
constexpr std::string_view kThpEnabled = "/sys/kernel/mm/transparent_hugepage/enabled";
constexpr std::string_view kThpShmemEnabled = "/sys/kernel/mm/transparent_hugepage/shmem_enabled";
constexpr std::array<std::string_view, 2> kThpShmemOff = {"never", "deny"};

// Documentation/admin-guide/mm/hugetlbpage.rst: one directory per huge page size.
constexpr std::string_view kHugetlbDirectory = "/sys/kernel/mm/hugepages";

std::string ksm_sharing(HostRoot const& root) {
    auto const sharing = root.read_value(kKsmPagesSharing);
    return sharing ? fmt::format(", {} pages sharing", *sharing) : "";
}

// "hugepages-2048kB" -> 2048, so pools list smallest first; 0 for a name not in that form.
uint64_t pool_size_kib(std::string_view directory) {
    directory.remove_prefix(std::min(directory.find('-') + 1, directory.size()));
    if (directory.ends_with("kB"))
        directory.remove_suffix(2);
    return parse_unsigned(directory).value_or(0);
}

std::string hugetlb_pool(HostRoot const& root, std::string const& directory) {
    std::string const base = fmt::format("{}/{}", kHugetlbDirectory, directory);
    auto const total = root.read_value(base + "/nr_hugepages");
    auto const free = root.read_value(base + "/free_hugepages");
    // "hugepages-2048kB" -> "2048kB"
    std::string_view size = directory;
    size.remove_prefix(std::min(size.find('-') + 1, size.size()));
    return fmt::format("{}: {} reserved, {} free", size, total.value_or("?"), free.value_or("?"));
}

} // namespace

CheckResult check_ksm(HostRoot const& root) {
    std::string const name = "KSM";
    auto const run = root.read_value(kKsmRun);
    if (!run)
        return {name, CheckStatus::Warn,
                fmt::format("{} missing: kernel without KSM (CONFIG_KSM), no merging of "
                            "identical guest pages",
                            kKsmRun)};
    for (size_t state = 0; state < kKsmRunStates.size(); ++state) {
        if (*run == std::to_string(state))
            return {name, CheckStatus::Pass,
                    fmt::format("available, {} (run={}){}", kKsmRunStates[state], *run,
                                ksm_sharing(root))};
    }
    return {name, CheckStatus::Warn, fmt::format("{} holds an unknown value '{}'", kKsmRun, *run)};
}

CheckResult check_transparent_hugepages(HostRoot const& root) {
    std::string const name = "transparent huge pages";
    auto const enabled_file = root.read_value(kThpEnabled);
    auto const enabled = enabled_file ? selected_choice(*enabled_file) : std::nullopt;
    if (!enabled)
        return {name, CheckStatus::Warn,
                "not available (no transparent_hugepage in sysfs): guest RAM uses 4 KiB pages"};
    auto const shmem_file = root.read_value(kThpShmemEnabled);
    auto const shmem = shmem_file ? selected_choice(*shmem_file) : std::nullopt;
    std::string const evidence =
        fmt::format("enabled={}, shmem_enabled={}", *enabled, shmem.value_or("(absent)"));
    bool const shmem_off =
        !shmem || std::find(kThpShmemOff.begin(), kThpShmemOff.end(), *shmem) != kThpShmemOff.end();
    if (shmem_off)
        return {name, CheckStatus::Warn,
                evidence + ": guest RAM (a memfd, so shmem) gets no transparent huge pages"};
    return {name, CheckStatus::Pass, evidence};
}

CheckResult check_hugetlb(HostRoot const& root) {
    std::string const name = "hugetlb pages";
    auto directories = root.list_directory(kHugetlbDirectory);
    std::erase_if(directories, [](auto const& d) { return !d.starts_with("hugepages-"); });
    std::sort(directories.begin(), directories.end(),
              [](auto const& a, auto const& b) { return pool_size_kib(a) < pool_size_kib(b); });
    std::vector<std::string> pools;
    pools.reserve(directories.size());
    for (auto const& directory : directories)
        pools.push_back(hugetlb_pool(root, directory));
    if (pools.empty())
        return {name, CheckStatus::Warn,
                fmt::format("{} missing or empty: kernel without hugetlbfs", kHugetlbDirectory)};
    return {name, CheckStatus::Pass, fmt::format("{}", fmt::join(pools, "; "))};
}

} // namespace vireo::hostcheck
