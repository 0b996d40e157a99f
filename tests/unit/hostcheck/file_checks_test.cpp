#include <gtest/gtest.h>

#include "fake_host.h"
#include "hostcheck/hostcheck.h"

namespace vireo::hostcheck {
namespace {

using testing::FakeHost;

// A fake tree shaped like the development machines (see docs host.md).
void write_development_host(FakeHost const& host) {
    ASSERT_TRUE(host.write("/sys/kernel/mm/ksm/run", "0\n"));
    ASSERT_TRUE(
        host.write("/sys/kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n"));
    ASSERT_TRUE(host.write("/sys/kernel/mm/transparent_hugepage/shmem_enabled",
                           "always within_size advise [never] deny force\n"));
    ASSERT_TRUE(host.write("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "0\n"));
    ASSERT_TRUE(host.write("/sys/fs/cgroup/unified/cgroup.controllers", "hugetlb\n"));
    ASSERT_TRUE(host.write("/proc/cgroups", "cpu\t1\t1\t1\nmemory\t4\t1\t1\nblkio\t7\t1\t1\n"));
    ASSERT_TRUE(host.write("/proc/sys/user/max_user_namespaces", "96365\n"));
}

TEST(FileChecks, RunsEveryFileBasedCheckInOrder) {
    FakeHost host;
    write_development_host(host);
    auto const results = run_file_checks(host.root());
    std::vector<std::string> names;
    for (auto const& result : results)
        names.push_back(result.name);
    std::vector<std::string> const expected = {"KSM",
                                               "transparent huge pages",
                                               "hugetlb pages",
                                               "/dev/net/tun",
                                               "/dev/vhost-net",
                                               "/dev/vhost-vsock",
                                               "cgroups",
                                               "cgroup cpu controller",
                                               "cgroup memory controller",
                                               "cgroup io controller",
                                               "user namespaces"};
    EXPECT_EQ(names, expected);
}

TEST(FileChecks, DevelopmentHostHasWarningsButNoFailure) {
    FakeHost host;
    write_development_host(host);
    auto const results = run_file_checks(host.root());
    EXPECT_EQ(exit_code_for(results), 0);
    size_t warnings = 0;
    for (auto const& result : results)
        warnings += result.status == CheckStatus::Warn ? 1 : 0;
    // THP for shmem, /dev/net/tun (absent from the fake tree), the two vhost devices.
    EXPECT_EQ(warnings, 4U) << format_report(results);
}

} // namespace
} // namespace vireo::hostcheck
