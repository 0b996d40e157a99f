#include <gtest/gtest.h>

#include "fake_host.h"
#include "hostcheck/checks.h"

namespace vireo::hostcheck {
namespace {

using testing::FakeHost;

TEST(Ksm, MissingWarns) {
    FakeHost host;
    auto const result = check_ksm(host.root());
    EXPECT_EQ(result.status, CheckStatus::Warn);
    EXPECT_NE(result.detail.find("CONFIG_KSM"), std::string::npos) << result.detail;
}

TEST(Ksm, StoppedAndRunningPassWithTheirState) {
    FakeHost host;
    ASSERT_TRUE(host.write("/sys/kernel/mm/ksm/run", "0\n"));
    EXPECT_EQ(check_ksm(host.root()).detail, "available, stopped (run=0)");
    ASSERT_TRUE(host.write("/sys/kernel/mm/ksm/run", "1\n"));
    ASSERT_TRUE(host.write("/sys/kernel/mm/ksm/pages_sharing", "1234\n"));
    auto const running = check_ksm(host.root());
    EXPECT_EQ(running.status, CheckStatus::Pass);
    EXPECT_EQ(running.detail, "available, merging (run=1), 1234 pages sharing");
}

TEST(Ksm, UnknownValueWarns) {
    FakeHost host;
    ASSERT_TRUE(host.write("/sys/kernel/mm/ksm/run", "7\n"));
    EXPECT_EQ(check_ksm(host.root()).status, CheckStatus::Warn);
}

TEST(TransparentHugepages, ShmemNeverWarnsBecauseGuestRamIsAMemfd) {
    FakeHost host;
    ASSERT_TRUE(
        host.write("/sys/kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n"));
    ASSERT_TRUE(host.write("/sys/kernel/mm/transparent_hugepage/shmem_enabled",
                           "always within_size advise [never] deny force\n"));
    auto const result = check_transparent_hugepages(host.root());
    EXPECT_EQ(result.status, CheckStatus::Warn);
    EXPECT_TRUE(result.detail.starts_with("enabled=madvise, shmem_enabled=never: guest RAM"))
        << result.detail;
}

TEST(TransparentHugepages, ShmemWithinSizePasses) {
    FakeHost host;
    ASSERT_TRUE(
        host.write("/sys/kernel/mm/transparent_hugepage/enabled", "[always] madvise never\n"));
    ASSERT_TRUE(host.write("/sys/kernel/mm/transparent_hugepage/shmem_enabled",
                           "always [within_size] advise never deny force\n"));
    auto const result = check_transparent_hugepages(host.root());
    EXPECT_EQ(result.status, CheckStatus::Pass);
    EXPECT_EQ(result.detail, "enabled=always, shmem_enabled=within_size");
}

TEST(TransparentHugepages, MissingWarns) {
    FakeHost host;
    EXPECT_EQ(check_transparent_hugepages(host.root()).status, CheckStatus::Warn);
}

TEST(Hugetlb, ListsPoolsSmallestFirst) {
    FakeHost host;
    ASSERT_TRUE(host.write("/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "0\n"));
    ASSERT_TRUE(host.write("/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages", "0\n"));
    ASSERT_TRUE(host.write("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "512\n"));
    ASSERT_TRUE(host.write("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "100\n"));
    auto const result = check_hugetlb(host.root());
    EXPECT_EQ(result.status, CheckStatus::Pass);
    EXPECT_EQ(result.detail, "2048kB: 512 reserved, 100 free; 1048576kB: 0 reserved, 0 free");
}

TEST(Hugetlb, MissingWarns) {
    FakeHost host;
    EXPECT_EQ(check_hugetlb(host.root()).status, CheckStatus::Warn);
}

} // namespace
} // namespace vireo::hostcheck
