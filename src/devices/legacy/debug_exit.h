// QEMU's isa-debug-exit device at pc::kDebugExitPort, 4 bytes wide: test guests write a value
// of any width to end the VM. The VMM turns the value into the exit status (value << 1) | 1,
// as QEMU does, so a guest can never make vireo exit with 0 by accident.
#pragma once

#include "bus/bus_device.h"
#include "devices/machine.h"

namespace vireo {

class DebugExit final : public BusDevice {
public:
    static constexpr uint64_t kSize = 4;

    // `machine` must outlive the device.
    explicit DebugExit(MachineControl& machine)
        : machine_(machine) {}

    std::string_view name() const override { return "debug-exit"; }
    void write(uint64_t offset, std::span<uint8_t const> data) override;

private:
    MachineControl& machine_;
};

} // namespace vireo
