#include "vmm/vm.h"

#include <csignal>

#include "base/trace.h"
#include "devices/legacy/acpi_pm.h"
#include "vmm/vm_devices.h"

namespace vireo {

std::string_view vm_state_name(VmState state) {
    switch (state) {
    case VmState::Created:
        return "created";
    case VmState::Running:
        return "running";
    case VmState::Paused:
        return "paused";
    case VmState::Stopped:
        return "stopped";
    }
    return "unknown";
}

Vm::Vm(VmConfig config, std::unique_ptr<GuestMemory> memory,
       std::unique_ptr<Accelerator> accelerator)
    : config_(std::move(config))
    , memory_(std::move(memory))
    , accelerator_(std::move(accelerator)) {}

Vm::~Vm() = default;

VmOutcome Vm::run() {
    {
        std::lock_guard lock(mutex_);
        state_ = VmState::Running;
        started_ = std::chrono::steady_clock::now();
    }
    std::vector<std::thread> threads;
    threads.reserve(vcpus_.size());
    for (auto& vcpu : vcpus_)
        threads.emplace_back([this, &vcpu] { vcpu_thread(*vcpu); });
    {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [this] { return outcome_.has_value(); });
    }
    kick_all();
    for (auto& thread : threads)
        thread.join();
    std::lock_guard lock(mutex_);
    state_ = VmState::Stopped;
    return *outcome_;
}

void Vm::vcpu_thread(Vcpu& vcpu) {
    pthread_setname_np(pthread_self(), fmt::format("vcpu{}", vcpu.index()).c_str());
    while (!stopping_.load(std::memory_order_acquire)) {
        auto exit = vcpu.run();
        if (!exit) {
            finish({VmOutcome::Kind::InternalError, 0, 0, exit.error().message(), vcpu.index(),
                    std::nullopt});
            return;
        }
        switch (exit->reason) {
        case VcpuExitReason::Kicked:
            wait_while_paused();
            break;
        case VcpuExitReason::TripleFault:
        case VcpuExitReason::InternalError: {
            auto state = vcpu.get_state();
            auto kind = exit->reason == VcpuExitReason::TripleFault
                            ? VmOutcome::Kind::TripleFault
                            : VmOutcome::Kind::InternalError;
            finish({kind, 0, 0, exit->detail, vcpu.index(),
                    state ? std::optional(*state) : std::nullopt});
            return;
        }
        }
    }
}

void Vm::wait_while_paused() {
    std::unique_lock lock(mutex_);
    if (!pause_requested_)
        return;
    ++parked_vcpus_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return !pause_requested_ || stopping_.load(); });
    --parked_vcpus_;
}

void Vm::pause() {
    std::unique_lock lock(mutex_);
    if (state_ != VmState::Running)
        return;
    pause_requested_ = true;
    lock.unlock();
    kick_all();
    lock.lock();
    changed_.wait(lock, [this] { return parked_vcpus_ == vcpus_.size() || outcome_.has_value(); });
    if (!outcome_)
        state_ = VmState::Paused;
}

void Vm::resume() {
    std::lock_guard lock(mutex_);
    if (state_ != VmState::Paused)
        return;
    pause_requested_ = false;
    state_ = VmState::Running;
    changed_.notify_all();
}

VmState Vm::state() const {
    std::lock_guard lock(mutex_);
    return state_;
}

std::chrono::steady_clock::duration Vm::uptime() const {
    std::lock_guard lock(mutex_);
    if (!started_)
        return {};
    return std::chrono::steady_clock::now() - *started_;
}

void Vm::press_power_button() {
    devices_->acpi_pm().press_power_button();
}

virtio::VirtioBalloon* Vm::balloon() {
    return devices_->balloon();
}

void Vm::finish(VmOutcome outcome) {
    {
        std::lock_guard lock(mutex_);
        if (outcome_)
            return;
        VIREO_TRACE(Vmm, "VM ends: {}", describe(outcome));
        outcome_ = std::move(outcome);
        stopping_.store(true, std::memory_order_release);
        changed_.notify_all();
    }
    kick_all();
}

void Vm::kick_all() {
    for (auto& vcpu : vcpus_)
        vcpu->kick();
}

void Vm::stop(int signal) {
    finish({VmOutcome::Kind::Stopped, 0, signal, {}, 0, std::nullopt});
}

void Vm::request_poweroff() {
    finish({VmOutcome::Kind::PoweredOff, 0, 0, {}, 0, std::nullopt});
}

void Vm::request_reset() {
    finish({VmOutcome::Kind::Reset, 0, 0, {}, 0, std::nullopt});
}

void Vm::request_exit(uint32_t guest_value) {
    finish({VmOutcome::Kind::DebugExit, guest_value, 0, {}, 0, std::nullopt});
}

void Vm::pio_read(uint16_t port, std::span<uint8_t> data) {
    pio_bus_.read(port, data);
}

void Vm::pio_write(uint16_t port, std::span<uint8_t const> data) {
    pio_bus_.write(port, data);
}

void Vm::mmio_read(uint64_t address, std::span<uint8_t> data) {
    mmio_bus_.read(address, data);
}

void Vm::mmio_write(uint64_t address, std::span<uint8_t const> data) {
    mmio_bus_.write(address, data);
}

} // namespace vireo
