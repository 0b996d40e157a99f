#include <gtest/gtest.h>

#include "fake_host.h"
#include "hostcheck/checks.h"

namespace vireo::hostcheck {
namespace {

using testing::FakeHost;

// /proc/cgroups of a host whose v1 hierarchies carry cpu, memory and blkio; io and the rest
// (hierarchy 0) are on v2 or nowhere.
constexpr std::string_view kProcCgroupsHybrid = "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
                                                "cpu\t1\t1\t1\n"
                                                "memory\t4\t36\t1\n"
                                                "blkio\t7\t1\t1\n"
                                                "hugetlb\t0\t1\t1\n";

constexpr std::string_view kProcCgroupsUnified = "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
                                                 "cpu\t0\t80\t1\n"
                                                 "memory\t0\t80\t1\n"
                                                 "io\t0\t80\t1\n";

CheckResult const* find(std::vector<CheckResult> const& results, std::string_view name) {
    for (auto const& result : results) {
        if (result.name == name)
            return &result;
    }
    return nullptr;
}

TEST(Cgroups, UnifiedV2WithAllControllersPasses) {
    FakeHost host;
    ASSERT_TRUE(host.write("/sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n"));
    ASSERT_TRUE(host.write("/proc/cgroups", kProcCgroupsUnified));
    auto const results = check_cgroups(host.root());
    ASSERT_EQ(results.size(), 4U);
    EXPECT_EQ(results[0].name, "cgroups");
    EXPECT_EQ(results[0].detail,
              "v2 unified at /sys/fs/cgroup; controllers: cpuset cpu io memory pids");
    for (auto const& result : results)
        EXPECT_EQ(result.status, CheckStatus::Pass) << result.name;
    EXPECT_EQ(find(results, "cgroup io controller")->detail, "cgroup v2");
}

// The development machines' layout.
TEST(Cgroups, HybridFindsV1ControllersUnderTheirV1Names) {
    FakeHost host;
    ASSERT_TRUE(host.write("/sys/fs/cgroup/unified/cgroup.controllers", "hugetlb\n"));
    ASSERT_TRUE(host.write("/proc/cgroups", kProcCgroupsHybrid));
    auto const results = check_cgroups(host.root());
    EXPECT_EQ(results[0].detail, "hybrid: v2 at /sys/fs/cgroup/unified (controllers: hugetlb), "
                                 "v1 controllers: cpu memory blkio");
    auto const* io = find(results, "cgroup io controller");
    ASSERT_NE(io, nullptr);
    EXPECT_EQ(io->status, CheckStatus::Pass);
    EXPECT_EQ(io->detail, "cgroup v1 (blkio)");
}

TEST(Cgroups, LegacyWithoutMemoryWarnsForMemory) {
    FakeHost host;
    ASSERT_TRUE(host.write("/proc/cgroups", "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
                                            "cpu\t1\t1\t1\nmemory\t0\t1\t0\nblkio\t2\t1\t1\n"));
    auto const results = check_cgroups(host.root());
    EXPECT_EQ(results[0].status, CheckStatus::Pass);
    EXPECT_TRUE(results[0].detail.starts_with("v1 only")) << results[0].detail;
    EXPECT_EQ(find(results, "cgroup cpu controller")->status, CheckStatus::Pass);
    EXPECT_EQ(find(results, "cgroup memory controller")->status, CheckStatus::Warn);
}

TEST(Cgroups, NothingMountedWarnsForEverything) {
    FakeHost host;
    auto const results = check_cgroups(host.root());
    ASSERT_EQ(results.size(), 4U);
    for (auto const& result : results)
        EXPECT_EQ(result.status, CheckStatus::Warn) << result.name;
}

TEST(UserNamespaces, EnabledPasses) {
    FakeHost host;
    ASSERT_TRUE(host.write("/proc/sys/user/max_user_namespaces", "96365\n"));
    auto const result = check_user_namespaces(host.root());
    EXPECT_EQ(result.status, CheckStatus::Pass);
    EXPECT_EQ(result.detail, "max_user_namespaces=96365");
}

TEST(UserNamespaces, ZeroMaximumWarns) {
    FakeHost host;
    ASSERT_TRUE(host.write("/proc/sys/user/max_user_namespaces", "0\n"));
    EXPECT_EQ(check_user_namespaces(host.root()).status, CheckStatus::Warn);
}

TEST(UserNamespaces, DebianSwitchOffWarns) {
    FakeHost host;
    ASSERT_TRUE(host.write("/proc/sys/user/max_user_namespaces", "1000\n"));
    ASSERT_TRUE(host.write("/proc/sys/kernel/unprivileged_userns_clone", "0\n"));
    auto const result = check_user_namespaces(host.root());
    EXPECT_EQ(result.status, CheckStatus::Warn);
    EXPECT_NE(result.detail.find("only root"), std::string::npos) << result.detail;
    ASSERT_TRUE(host.write("/proc/sys/kernel/unprivileged_userns_clone", "1\n"));
    EXPECT_EQ(check_user_namespaces(host.root()).detail,
              "max_user_namespaces=1000, kernel.unprivileged_userns_clone=1");
}

TEST(UserNamespaces, AppArmorRestrictionWarns) {
    FakeHost host;
    ASSERT_TRUE(host.write("/proc/sys/user/max_user_namespaces", "1000\n"));
    ASSERT_TRUE(host.write("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", "1\n"));
    EXPECT_EQ(check_user_namespaces(host.root()).status, CheckStatus::Warn);
}

TEST(UserNamespaces, MissingWarns) {
    FakeHost host;
    auto const result = check_user_namespaces(host.root());
    EXPECT_EQ(result.status, CheckStatus::Warn);
    EXPECT_NE(result.detail.find("CONFIG_USER_NS"), std::string::npos);
}

} // namespace
} // namespace vireo::hostcheck
