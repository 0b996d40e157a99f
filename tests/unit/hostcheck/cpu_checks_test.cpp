#include <gtest/gtest.h>

#include "fake_host.h"
#include "hostcheck/checks.h"

namespace vireo::hostcheck {
namespace {

using testing::FakeHost;

// Two processors, as /proc/cpuinfo lists them; only the flags matter.
std::string cpuinfo(std::string_view flags) {
    std::string text;
    for (int cpu = 0; cpu < 2; ++cpu)
        text += fmt::format("processor\t: {}\nvendor_id\t: GenuineIntel\nflags\t\t: {}\n\n", cpu,
                            flags);
    return text;
}

constexpr std::string_view kKvmIntelModules =
    "kvm_intel 409600 0 - Live 0x0000000000000000\nkvm 1142784 1 kvm_intel, Live 0x0\n";

TEST(VirtualizationExtensions, VmxWithKvmIntelPasses) {
    FakeHost host;
    ASSERT_TRUE(host.write("/proc/cpuinfo", cpuinfo("fpu vme vmx sse2")));
    ASSERT_TRUE(host.write("/proc/modules", kKvmIntelModules));
    auto const result = check_virtualization_extensions(host.root(), true);
    EXPECT_EQ(result.status, CheckStatus::Pass);
    EXPECT_EQ(result.detail, "vmx in /proc/cpuinfo, KVM module kvm_intel");
}

TEST(VirtualizationExtensions, SvmWithBuiltInKvmAmdPasses) {
    FakeHost host;
    ASSERT_TRUE(host.write("/proc/cpuinfo", cpuinfo("fpu svm hypervisor")));
    ASSERT_TRUE(host.make_directory("/sys/module/kvm_amd/parameters"));
    auto const result = check_virtualization_extensions(host.root(), true);
    EXPECT_EQ(result.status, CheckStatus::Pass);
    EXPECT_NE(result.detail.find("svm in /proc/cpuinfo, KVM module kvm_amd"), std::string::npos);
    EXPECT_NE(result.detail.find("itself a VM"), std::string::npos) << result.detail;
}

TEST(VirtualizationExtensions, VmxWithoutModuleWarnsWithModprobe) {
    FakeHost host;
    ASSERT_TRUE(host.write("/proc/cpuinfo", cpuinfo("fpu vmx")));
    ASSERT_TRUE(host.write("/proc/modules", ""));
    auto const result = check_virtualization_extensions(host.root(), false);
    EXPECT_EQ(result.status, CheckStatus::Warn);
    EXPECT_NE(result.detail.find("modprobe kvm_intel"), std::string::npos) << result.detail;
}

// The development machines: no vmx or svm, no /proc/modules, kvm_pvm built in.
TEST(VirtualizationExtensions, PvmWithoutVmxWarnsAsNested) {
    FakeHost host;
    ASSERT_TRUE(host.write("/proc/cpuinfo", cpuinfo("fpu sse2 hypervisor")));
    ASSERT_TRUE(host.make_directory("/sys/module/kvm/parameters"));
    ASSERT_TRUE(host.make_directory("/sys/module/kvm_pvm/parameters"));
    auto const result = check_virtualization_extensions(host.root(), true);
    EXPECT_EQ(result.status, CheckStatus::Warn);
    EXPECT_NE(result.detail.find("no vmx or svm"), std::string::npos) << result.detail;
    EXPECT_NE(result.detail.find("kvm_pvm"), std::string::npos) << result.detail;
    EXPECT_NE(result.detail.find("nested"), std::string::npos) << result.detail;
}

TEST(VirtualizationExtensions, NothingFails) {
    FakeHost host;
    ASSERT_TRUE(host.write("/proc/cpuinfo", cpuinfo("fpu sse2")));
    auto const result = check_virtualization_extensions(host.root(), false);
    EXPECT_EQ(result.status, CheckStatus::Fail);
    EXPECT_NE(result.detail.find("--accel emu"), std::string::npos) << result.detail;
}

TEST(VirtualizationExtensions, FlagMustBeAWholeWord) {
    FakeHost host;
    // "vmxx" and "svm_lock" are not vmx or svm.
    ASSERT_TRUE(host.write("/proc/cpuinfo", cpuinfo("vmxx svm_lock")));
    auto const result = check_virtualization_extensions(host.root(), false);
    EXPECT_EQ(result.status, CheckStatus::Fail);
}

} // namespace
} // namespace vireo::hostcheck
