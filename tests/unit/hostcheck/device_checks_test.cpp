#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <gtest/gtest.h>

#include "fake_host.h"
#include "hostcheck/checks.h"

namespace vireo::hostcheck {
namespace {

using testing::FakeHost;

TEST(KvmDevice, MissingFails) {
    FakeHost host;
    ASSERT_TRUE(host.valid());
    auto const result = check_kvm_device(host.root());
    EXPECT_EQ(result.name, "/dev/kvm");
    EXPECT_EQ(result.status, CheckStatus::Fail);
    EXPECT_TRUE(result.detail.starts_with("missing")) << result.detail;
}

TEST(KvmDevice, RegularFileFails) {
    FakeHost host;
    ASSERT_TRUE(host.write("/dev/kvm", ""));
    auto const result = check_kvm_device(host.root());
    EXPECT_EQ(result.status, CheckStatus::Fail);
    EXPECT_NE(result.detail.find("not a character device"), std::string::npos) << result.detail;
}

TEST(KvmDevice, CharacterDevicePassesWithItsNumbers) {
    FakeHost host;
    ASSERT_TRUE(host.make_directory("/dev"));
    // The node is only stat()ed and access()ed, never opened. Creating it needs CAP_MKNOD.
    if (mknod(host.path("/dev/kvm").c_str(), S_IFCHR | 0600, makedev(10, 232)) != 0)
        GTEST_SKIP() << "cannot create a device node here (mknod needs CAP_MKNOD)";
    auto const result = check_kvm_device(host.root());
    EXPECT_EQ(result.status, CheckStatus::Pass) << result.detail;
    EXPECT_NE(result.detail.find("character device 10:232"), std::string::npos) << result.detail;
    EXPECT_NE(result.detail.find("mode 0600"), std::string::npos) << result.detail;
}

TEST(TunDevice, MissingWarns) {
    FakeHost host;
    auto const result = check_tun_device(host.root());
    EXPECT_EQ(result.name, "/dev/net/tun");
    EXPECT_EQ(result.status, CheckStatus::Warn);
    EXPECT_NE(result.detail.find("modprobe tun"), std::string::npos) << result.detail;
}

TEST(VhostDevices, BothMissingWarnAndSayVireoWorksWithout) {
    FakeHost host;
    auto const results = check_vhost_devices(host.root());
    ASSERT_EQ(results.size(), 2U);
    EXPECT_EQ(results[0].name, "/dev/vhost-net");
    EXPECT_EQ(results[1].name, "/dev/vhost-vsock");
    for (auto const& result : results) {
        EXPECT_EQ(result.status, CheckStatus::Warn);
        EXPECT_NE(result.detail.find("vireo works without it"), std::string::npos);
    }
}

TEST(VhostDevices, PresentNodePasses) {
    FakeHost host;
    ASSERT_TRUE(host.make_directory("/dev"));
    if (mknod(host.path("/dev/vhost-net").c_str(), S_IFCHR | 0600, makedev(10, 238)) != 0)
        GTEST_SKIP() << "cannot create a device node here (mknod needs CAP_MKNOD)";
    auto const results = check_vhost_devices(host.root());
    EXPECT_EQ(results[0].status, CheckStatus::Pass) << results[0].detail;
    EXPECT_EQ(results[1].status, CheckStatus::Warn);
}

} // namespace
} // namespace vireo::hostcheck
