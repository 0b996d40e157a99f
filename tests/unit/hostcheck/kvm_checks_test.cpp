#include <map>

#include <linux/kvm.h>

#include <gtest/gtest.h>

#include "hostcheck/checks.h"
#include "kvm/kvm_system.h"

namespace vireo::hostcheck {
namespace {

TEST(ApiVersion, TwelvePassesAnythingElseFails) {
    EXPECT_EQ(check_api_version(12).status, CheckStatus::Pass);
    auto const old = check_api_version(11);
    EXPECT_EQ(old.status, CheckStatus::Fail);
    EXPECT_NE(old.detail.find("vireo needs 12"), std::string::npos) << old.detail;
    EXPECT_EQ(check_api_version(-1).status, CheckStatus::Fail);
}

TEST(Capabilities, OneRowPerRequiredCapability) {
    auto const results = check_capabilities([](int) { return 1; });
    auto const& required = kvm::required_capabilities();
    ASSERT_EQ(results.size(), required.size());
    for (size_t i = 0; i < results.size(); ++i) {
        EXPECT_EQ(results[i].name, required[i].name);
        EXPECT_EQ(results[i].status, CheckStatus::Pass);
        EXPECT_NE(results[i].detail.find(required[i].why), std::string::npos);
    }
}

TEST(Capabilities, MissingCapabilityFailsWithItsReason) {
    auto const results =
        check_capabilities([](int capability) { return capability == KVM_CAP_IRQFD ? 0 : 1; });
    size_t failures = 0;
    for (auto const& result : results) {
        if (result.status != CheckStatus::Fail)
            continue;
        ++failures;
        EXPECT_EQ(result.name, "KVM_CAP_IRQFD");
        EXPECT_TRUE(result.detail.starts_with("missing, needed for")) << result.detail;
    }
    EXPECT_EQ(failures, 1U);
}

TEST(VcpuLimits, ReportsBothValues) {
    std::map<int, int> const answers = {{KVM_CAP_NR_VCPUS, 2}, {KVM_CAP_MAX_VCPUS, 1024}};
    auto const result = check_vcpu_limits([&](int c) { return answers.at(c); });
    EXPECT_EQ(result.status, CheckStatus::Pass);
    EXPECT_EQ(result.detail, "recommended 2 (KVM_CAP_NR_VCPUS), maximum 1024 (KVM_CAP_MAX_VCPUS)");
}

TEST(VcpuLimits, FallsBackAsTheApiDocumentationSays) {
    auto const result = check_vcpu_limits([](int) { return 0; });
    EXPECT_EQ(result.detail, "recommended 4 (KVM_CAP_NR_VCPUS), maximum 4 (KVM_CAP_MAX_VCPUS)");
}

TEST(KernelMode, NativePassesEmulatedWarnsProbeErrorFails) {
    auto const native = check_kernel_mode(classify_kernel_mode_speed(3e9, std::nullopt));
    EXPECT_EQ(native.status, CheckStatus::Pass);
    EXPECT_EQ(native.detail, "native: 3 G instructions/s at guest ring 0");

    auto const emulated = check_kernel_mode(classify_kernel_mode_speed(1.9e6, 7.1e9));
    EXPECT_EQ(emulated.status, CheckStatus::Warn);
    EXPECT_EQ(emulated.detail,
              "emulated: 1.9 M instructions/s at guest ring 0 (ring 3: 7.1 G instructions/s, "
              "native); nested or paravirtual KVM, use --accel emu for Linux guests");

    auto const failed = check_kernel_mode(tl::unexpected(Error("KVM_RUN: Bad address")));
    EXPECT_EQ(failed.status, CheckStatus::Fail);
    EXPECT_NE(failed.detail.find("KVM_RUN: Bad address"), std::string::npos);
}

TEST(KernelMode, ClassificationFollowsTheThreshold) {
    EXPECT_TRUE(classify_kernel_mode_speed(kNativeInstructionsPerSecond, {}).native);
    EXPECT_FALSE(classify_kernel_mode_speed(kNativeInstructionsPerSecond * 0.99, {}).native);
    auto const probe = classify_kernel_mode_speed(2.5e6, {});
    EXPECT_DOUBLE_EQ(probe.instructions_per_second, 2.5e6);
    EXPECT_FALSE(probe.user_instructions_per_second.has_value());
}

TEST(KernelMode, UnusableKvmFailsOnce) {
    auto const result = kvm_unusable(Error("cannot open /dev/kvm: No such file or directory"));
    EXPECT_EQ(result.status, CheckStatus::Fail);
    EXPECT_TRUE(result.detail.starts_with("cannot open /dev/kvm")) << result.detail;
}

TEST(FormatRate, ThreeSignificantDigitsWithPrefix) {
    EXPECT_EQ(format_rate(1.94e6), "1.94 M");
    EXPECT_EQ(format_rate(1.9e6), "1.9 M");
    EXPECT_EQ(format_rate(850e3), "850 k");
    EXPECT_EQ(format_rate(7.123e9), "7.12 G");
    EXPECT_EQ(format_rate(12), "12");
}

} // namespace
} // namespace vireo::hostcheck
