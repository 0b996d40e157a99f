// What the control API asks of a VM. ApiServer speaks the protocol and calls these; VmHandle
// (vm_handle.h) implements them for vireo's running Vm, and tests use a fake. Every method
// may be called from several client threads at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "control/api_error.h"
#include "devices/virtio/balloon/virtio_balloon.h"

namespace vireo::control {

struct VmStatus {
    std::string state; // vm_state_name(), or "starting" while there is no VM
    unsigned vcpus = 0;
    uint64_t memory_bytes = 0;
    std::string accel; // "kvm" or "emu"
    std::chrono::milliseconds uptime{0};
    bool balloon = false; // the VM has a balloon device
};

class VmControl {
public:
    virtual ~VmControl() = default;

    virtual ApiResult<VmStatus> query_state() = 0;
    // Returns once every vCPU has stopped running guest code. Pausing a paused VM, or
    // resuming a running one, succeeds and changes nothing.
    virtual ApiResult<void> pause() = 0;
    virtual ApiResult<void> resume() = 0;
    // An ACPI power button press: the guest decides what to do (Linux powers off).
    virtual ApiResult<void> press_power_button() = 0;
    // The balloon size wanted, in bytes: whole 4 KiB pages, at most the guest's memory.
    virtual ApiResult<void> set_balloon_target(uint64_t bytes) = 0;
    // The balloon's state, after asking the guest for fresh statistics and waiting up to
    // `wait` for them.
    virtual ApiResult<virtio::BalloonStatus> query_balloon(std::chrono::milliseconds wait) = 0;
};

} // namespace vireo::control
