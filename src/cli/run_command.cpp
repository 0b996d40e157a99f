#include "cli/run_command.h"

#include <csignal>
#include <mutex>
#include <thread>

#include "base/event_loop.h"
#include "base/trace.h"
#include "chardev/console.h"
#include "control/api_server.h"
#include "control/vm_handle.h"
#include "vmm/accel_select.h"
#include "vmm/default_guest.h"
#include "vmm/vm.h"

namespace vireo::cli {

namespace {

// Signals that end the VM. They are blocked in every thread and taken by one thread with
// sigwait, so no vCPU or device thread is ever interrupted by them.
// run_vm wakes the signal thread with this one when it is done.
int signal_thread_exit_signal() {
    return SIGRTMIN + 2;
}

sigset_t termination_signals() {
    sigset_t set;
    sigemptyset(&set);
    for (int signal : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, signal_thread_exit_signal()})
        sigaddset(&set, signal);
    return set;
}

// The VM that signals and the console's quit key stop; it changes when the VM restarts.
class CurrentVm {
public:
    void set(Vm* vm) {
        std::lock_guard lock(mutex_);
        vm_ = vm;
        if (vm_ != nullptr && pending_signal_ >= 0)
            vm_->stop(pending_signal_);
    }
    void stop(int signal) {
        std::lock_guard lock(mutex_);
        pending_signal_ = signal;
        if (vm_ != nullptr)
            vm_->stop(signal);
    }
    bool stopped() {
        std::lock_guard lock(mutex_);
        return pending_signal_ >= 0;
    }

private:
    std::mutex mutex_;
    Vm* vm_ = nullptr;
    int pending_signal_ = -1;
};

void report_outcome(VmOutcome const& outcome) {
    switch (outcome.kind) {
    case VmOutcome::Kind::TripleFault:
    case VmOutcome::Kind::InternalError:
        log_error("{}", describe(outcome));
        if (outcome.state)
            write_stderr(x86::format_cpu_state(*outcome.state));
        break;
    case VmOutcome::Kind::Reset:
    case VmOutcome::Kind::Stopped:
        log_info("{}", describe(outcome));
        break;
    default:
        VIREO_TRACE(Vmm, "{}", describe(outcome));
        break;
    }
}

Result<VmConfig> resolve_default_guest(VmConfig config) {
    if (!config.kernel.empty())
        return config;
    auto guest = TRY(find_default_guest());
    config.kernel = guest.kernel;
    if (!config.initrd)
        config.initrd = guest.initrd;
    if (!config.cmdline)
        config.cmdline = guest.cmdline;
    return config;
}

Result<int> run_until_done(VmConfig const& config, CurrentVm& current) {
    auto loop = TRY(EventLoop::create());
    auto console = TRY_CONTEXT(Console::create(config.console, *loop), "--console");
    console->set_on_quit([&current] { current.stop(0); });
    loop->start();
    // The control socket (docs/api.md) lives across restarts; the handle follows the VM.
    control::VmHandle api_vm;
    std::unique_ptr<control::ApiServer> api;
    if (config.api_socket)
        api = TRY(control::ApiServer::create(*config.api_socket, api_vm));

    auto decision = TRY(decide_accelerator(config.accel));
    AccelConfig accel_config{config.cpus, config.cpu_profile};
    bool announced = decision.reason.empty();

    RebootState carried;
    for (;;) {
        auto accelerator = TRY(create_accelerator(decision.choice, accel_config));
        auto vm = TRY(Vm::create(config, std::move(accelerator), *console, *loop, carried));
        // Said once the VM is built, so that a start-up error stays the only line on stderr.
        if (!announced) {
            log_info("using --accel {}: {}", decision.choice == AccelChoice::Kvm ? "kvm" : "emu",
                     decision.reason);
            announced = true;
        }
        current.set(vm.get());
        api_vm.attach(vm.get());
        VmOutcome const outcome = vm->run();
        api_vm.attach(nullptr);
        current.set(nullptr);
        report_outcome(outcome);
        if (outcome.kind == VmOutcome::Kind::Reset && config.on_reboot == OnReboot::Restart &&
            !current.stopped()) {
            log_info("restarting the VM (--on-reboot restart)");
            carried = vm->reboot_state();
            continue;
        }
        return exit_status_for(outcome);
    }
}

} // namespace

int run_vm(VmConfig const& requested) {
    // A console reader that goes away (a closed pipe, a dropped socket client) must not kill
    // the VM: writes fail with EPIPE instead, and the console handles that.
    std::signal(SIGPIPE, SIG_IGN);
    sigset_t const signals = termination_signals();
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    CurrentVm current;
    std::thread signal_thread([&] {
        int signal = 0;
        while (sigwait(&signals, &signal) == 0) {
            if (signal == signal_thread_exit_signal())
                return;
            current.stop(signal);
        }
    });

    int status = kExitUsage;
    auto config = resolve_default_guest(requested);
    if (!config) {
        log_error("{}", config.error().message());
    } else {
        auto result = run_until_done(*config, current);
        if (result)
            status = *result;
        else
            log_error("{}", result.error().message());
    }
    pthread_kill(signal_thread.native_handle(), signal_thread_exit_signal());
    signal_thread.join();
    return status;
}

} // namespace vireo::cli
