#include "control/vm_handle.h"

#include "devices/virtio/balloon/balloon_spec.h"
#include "vmm/vm.h"

namespace vireo::control {

void VmHandle::attach(Vm* vm) {
    // Only attach() writes vm_, from one thread, so reading it here unlocked races with
    // nothing.
    if (vm_ != nullptr && vm_->balloon() != nullptr)
        vm_->balloon()->stop_waiting();
    std::unique_lock lock(mutex_);
    vm_ = vm;
}

// A command that needs a VM fails while there is none (before the first VM is built, and
// between a reset and the restart).
ApiResult<Vm*> VmHandle::running_vm() {
    if (vm_ == nullptr)
        return api_error(ErrorClass::WrongState,
                         "the VM is starting (or restarting after a reboot)");
    return vm_;
}

ApiResult<virtio::VirtioBalloon*> VmHandle::balloon() {
    Vm* vm = TRY(running_vm());
    if (vm->balloon() == nullptr)
        return api_error(ErrorClass::DeviceNotPresent,
                         "the VM has no balloon (vireo run --balloon)");
    return vm->balloon();
}

ApiResult<VmStatus> VmHandle::query_state() {
    std::shared_lock lock(mutex_);
    if (vm_ == nullptr)
        return VmStatus{"starting", 0, 0, "", {}, false};
    return VmStatus{std::string(vm_state_name(vm_->state())),
                    vm_->config().cpus,
                    vm_->config().memory_bytes,
                    std::string(vm_->accelerator().name()),
                    std::chrono::duration_cast<std::chrono::milliseconds>(vm_->uptime()),
                    vm_->balloon() != nullptr};
}

// Pause and resume are asked of a VM that runs or is paused; the VM ignores them otherwise,
// and saying so is more useful to a client than a silent success.
ApiResult<Vm*> VmHandle::pausable_vm() {
    Vm* vm = TRY(running_vm());
    if (vm->state() != VmState::Running && vm->state() != VmState::Paused)
        return api_error(ErrorClass::WrongState, "the VM is {}", vm_state_name(vm->state()));
    return vm;
}

ApiResult<void> VmHandle::pause() {
    std::shared_lock lock(mutex_);
    TRY(pausable_vm())->pause();
    return {};
}

ApiResult<void> VmHandle::resume() {
    std::shared_lock lock(mutex_);
    TRY(pausable_vm())->resume();
    return {};
}

ApiResult<void> VmHandle::press_power_button() {
    std::shared_lock lock(mutex_);
    TRY(running_vm())->press_power_button();
    return {};
}

ApiResult<void> VmHandle::set_balloon_target(uint64_t bytes) {
    std::shared_lock lock(mutex_);
    auto* device = TRY(balloon());
    uint64_t const memory = vm_->config().memory_bytes;
    if (bytes > memory)
        return api_error(ErrorClass::InvalidArguments,
                         "'bytes' ({}) exceeds the guest's memory ({} bytes)", bytes, memory);
    device->set_target_pages(static_cast<uint32_t>(bytes / virtio::balloon::kPageSize));
    return {};
}

ApiResult<virtio::BalloonStatus> VmHandle::query_balloon(std::chrono::milliseconds wait) {
    std::shared_lock lock(mutex_);
    return TRY(balloon())->status_with_fresh_stats(wait);
}

} // namespace vireo::control
