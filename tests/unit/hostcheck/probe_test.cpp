// The kernel-mode probe needs a working /dev/kvm; without one these tests skip and say why.
#include <chrono>

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "hostcheck/kernel_mode_probe.h"
#include "hostcheck/probe_vm.h"

namespace vireo::hostcheck {
namespace {

// Opens /dev/kvm or skips the calling test with the reason.
#define OPEN_KVM_OR_SKIP(system)                                                                   \
    auto system##_result = kvm::KvmSystem::open();                                                 \
    if (!system##_result)                                                                          \
        GTEST_SKIP() << "no usable KVM: " << system##_result.error().message();                    \
    kvm::KvmSystem const& system = *system##_result

// kvm_pvm runs guest ring 0 in its instruction emulator whatever the guest does.
bool host_is_kvm_pvm() {
    struct stat info {};
    return stat("/sys/module/kvm_pvm", &info) == 0;
}

TEST(ProbeVm, RefusesZeroIterations) {
    OPEN_KVM_OR_SKIP(system);
    auto vm = ProbeVm::create(system);
    ASSERT_TRUE(vm) << vm.error().message();
    EXPECT_FALSE(vm->run_loop(0, Privilege::Kernel));
}

TEST(ProbeVm, RunsTheLoopToTheEndAtBothRings) {
    OPEN_KVM_OR_SKIP(system);
    auto vm = ProbeVm::create(system);
    ASSERT_TRUE(vm) << vm.error().message();
    for (auto privilege : {Privilege::Kernel, Privilege::User, Privilege::Kernel}) {
        // run_loop checks that ECX reached zero and the exit was the final store.
        auto elapsed = vm->run_loop(1000, privilege);
        ASSERT_TRUE(elapsed) << elapsed.error().message();
        EXPECT_GT(elapsed->count(), 0);
    }
}

TEST(KernelModeProbe, FigureIsPositiveAndClassificationFollowsIt) {
    OPEN_KVM_OR_SKIP(system);
    auto const started = std::chrono::steady_clock::now();
    auto const probe = probe_kernel_mode_speed(system, false);
    auto const cost = std::chrono::steady_clock::now() - started;
    ASSERT_TRUE(probe) << probe.error().message();
    EXPECT_GT(probe->instructions_per_second, 0);
    EXPECT_EQ(probe->native, probe->instructions_per_second >= kNativeInstructionsPerSecond);
    EXPECT_TRUE(probe->explanation.starts_with(probe->native ? "native: " : "emulated: "))
        << probe->explanation;
    EXPECT_FALSE(probe->user_instructions_per_second.has_value());
    // Generous: ~25 ms on the development machines, far less where ring 0 is native.
    EXPECT_LT(cost, std::chrono::seconds(2));
    std::cout << "quick probe: " << probe->explanation << " ("
              << std::chrono::duration<double, std::milli>(cost).count() << " ms)\n";
}

TEST(KernelModeProbe, PreciseProbeAddsRingThree) {
    OPEN_KVM_OR_SKIP(system);
    auto const probe = probe_kernel_mode_speed(system, true);
    ASSERT_TRUE(probe) << probe.error().message();
    EXPECT_EQ(probe->native, probe->instructions_per_second >= kNativeInstructionsPerSecond);
    ASSERT_TRUE(probe->user_instructions_per_second.has_value());
    EXPECT_GT(*probe->user_instructions_per_second, 0);
    std::cout << "precise probe: " << probe->explanation << "\n";
}

TEST(KernelModeProbe, KvmPvmEmulatesRingZero) {
    if (!host_is_kvm_pvm())
        GTEST_SKIP() << "not a kvm_pvm host";
    OPEN_KVM_OR_SKIP(system);
    auto const probe = probe_kernel_mode_speed(system, true);
    ASSERT_TRUE(probe) << probe.error().message();
    EXPECT_FALSE(probe->native);
    EXPECT_GT(probe->instructions_per_second, 0.2e6);
    EXPECT_LT(probe->instructions_per_second, 50e6);
    // kvm_pvm runs guest ring 3 on the CPU: the reason nested hosts are worth naming.
    ASSERT_TRUE(probe->user_instructions_per_second.has_value());
    EXPECT_GE(*probe->user_instructions_per_second, kNativeInstructionsPerSecond);
}

} // namespace
} // namespace vireo::hostcheck
