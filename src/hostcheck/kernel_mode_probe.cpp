#include "hostcheck/kernel_mode_probe.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <utility>

#include <fmt/format.h>

#include "base/trace.h"
#include "hostcheck/probe_vm.h"

namespace vireo::hostcheck {
namespace {

using namespace std::chrono_literals;

// About 40,000 instructions: ~20 ms where ring 0 is emulated at ~2 M/s (64-bit, paged, on
// kvm_pvm), tens of microseconds where it is native, VM entry included. Enough to tell the two
// apart, cheap enough for every `--accel auto`.
constexpr uint32_t kFirstIterations = 20'000;
// The first entry of each kind pays for KVM mapping the page and loading vCPU state.
constexpr uint32_t kWarmupIterations = 1;
// A precise native measurement runs about this long, so VM entry cost vanishes in it.
constexpr auto kPreciseRunTime = 5ms;
// Guards the scaled run against a nonsensical first timing.
constexpr uint32_t kMaxIterations = 50'000'000;

double rate(uint32_t iterations, std::chrono::nanoseconds elapsed) {
    auto const nanoseconds = std::max<int64_t>(elapsed.count(), 1);
    return static_cast<double>(ProbeVm::instructions_for(iterations)) * 1e9 /
           static_cast<double>(nanoseconds);
}

// A longer run for a native figure, sized from the first run so it stays near
// kPreciseRunTime (the first run overstates the time per instruction, never understates it).
uint32_t precise_iterations(std::chrono::nanoseconds first_run) {
    double const scale = static_cast<double>(std::chrono::nanoseconds(kPreciseRunTime).count()) /
                         static_cast<double>(std::max<int64_t>(first_run.count(), 1));
    double const wanted = static_cast<double>(kFirstIterations) * scale;
    return static_cast<uint32_t>(std::clamp(wanted, static_cast<double>(kFirstIterations),
                                            static_cast<double>(kMaxIterations)));
}

Result<double> measure(ProbeVm& vm, Privilege privilege, bool precise) {
    TRY(vm.run_loop(kWarmupIterations, privilege));
    auto const first = TRY(vm.run_loop(kFirstIterations, privilege));
    double const first_rate = rate(kFirstIterations, first);
    // An emulated run already lasts tens of milliseconds: its figure is as good as it gets.
    if (!precise || first_rate < kNativeInstructionsPerSecond)
        return first_rate;
    uint32_t const iterations = precise_iterations(first);
    auto const elapsed = TRY(vm.run_loop(iterations, privilege));
    return rate(iterations, elapsed);
}

std::string user_mode_note(std::optional<double> user) {
    if (!user)
        return "";
    bool const native = *user >= kNativeInstructionsPerSecond;
    return fmt::format(" (ring 3: {} instructions/s, {})", format_rate(*user),
                       native ? "native" : "emulated");
}

} // namespace

std::string format_rate(double instructions_per_second) {
    static constexpr std::array<std::pair<double, char const*>, 3> kPrefixes = {
        {{1e9, "G"}, {1e6, "M"}, {1e3, "k"}}};
    for (auto const& [scale, prefix] : kPrefixes) {
        if (instructions_per_second >= scale)
            return fmt::format("{:.3g} {}", instructions_per_second / scale, prefix);
    }
    return fmt::format("{:.3g}", instructions_per_second);
}

KernelModeProbe classify_kernel_mode_speed(double kernel_instructions_per_second,
                                           std::optional<double> user_instructions_per_second) {
    KernelModeProbe probe;
    probe.native = kernel_instructions_per_second >= kNativeInstructionsPerSecond;
    probe.instructions_per_second = kernel_instructions_per_second;
    probe.user_instructions_per_second = user_instructions_per_second;
    std::string const figures = fmt::format("{} instructions/s at guest ring 0{}",
                                            format_rate(kernel_instructions_per_second),
                                            user_mode_note(user_instructions_per_second));
    if (probe.native)
        probe.explanation = fmt::format("native: {}", figures);
    else
        probe.explanation = fmt::format("emulated: {}; nested or paravirtual KVM, use "
                                        "--accel emu for Linux guests",
                                        figures);
    return probe;
}

Result<KernelModeProbe> probe_kernel_mode_speed(kvm::KvmSystem const& system, bool precise) {
    ProbeVm vm = TRY_CONTEXT(ProbeVm::create(system), "creating the probe VM");
    double const kernel = TRY_CONTEXT(measure(vm, Privilege::Kernel, precise), "ring 0 probe");
    std::optional<double> user;
    if (precise) {
        // The ring 3 figure only explains the ring 0 one; a host that will not run it still
        // gets an answer.
        auto measured = measure(vm, Privilege::User, precise);
        if (measured)
            user = *measured;
        else
            VIREO_TRACE(Kvm, "host probe: ring 3 loop: {}", measured.error().message());
    }
    return classify_kernel_mode_speed(kernel, user);
}

Result<KernelModeProbe> probe_kernel_mode_speed(bool precise) {
    kvm::KvmSystem const system = TRY(kvm::KvmSystem::open());
    return probe_kernel_mode_speed(system, precise);
}

} // namespace vireo::hostcheck
