// The control API's view of `vireo run`'s VM. The Vm object changes when the guest reboots
// with --on-reboot restart (a new one is built), and for a moment there is none; the API
// server outlives them all and reaches the current one through this handle.
#pragma once

#include <shared_mutex>

#include "control/vm_control.h"

namespace vireo {
class Vm;
}

namespace vireo::control {

class VmHandle final : public VmControl {
public:
    // Makes `vm` (nullptr: none) the VM that commands act on. Ends the old VM's balloon
    // statistics waits and waits for commands in progress, so the old VM may be destroyed
    // once this returns. Called from one thread.
    void attach(Vm* vm);

    ApiResult<VmStatus> query_state() override;
    ApiResult<void> pause() override;
    ApiResult<void> resume() override;
    ApiResult<void> press_power_button() override;
    ApiResult<void> set_balloon_target(uint64_t bytes) override;
    ApiResult<virtio::BalloonStatus> query_balloon(std::chrono::milliseconds wait) override;

private:
    // These expect mutex_ held.
    ApiResult<Vm*> running_vm();
    ApiResult<Vm*> pausable_vm();
    ApiResult<virtio::VirtioBalloon*> balloon();

    // Each command holds it shared for its whole length, so clients' commands run side by
    // side (a query-balloon's wait delays no one else); attach() takes it alone, so it
    // never pulls a VM from under a command.
    std::shared_mutex mutex_;
    Vm* vm_ = nullptr;
};

} // namespace vireo::control
