// What a device may ask of the machine it is plugged into. The VMM implements these; devices
// depend on nothing else, so they never see KVM or the emulator.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

namespace vireo {

// One interrupt line from a device to the interrupt controllers (an ISA IRQ or IOAPIC pin).
class IrqLine {
public:
    virtual ~IrqLine() = default;
    virtual void set_level(bool level) = 0;
    // An edge: raise and lower the line, for devices that pulse their interrupt.
    void pulse() {
        set_level(true);
        set_level(false);
    }
};

// Requests that end or restart the whole machine. They take effect asynchronously: the VMM
// stops all vCPUs and acts once the current instruction has completed.
class MachineControl {
public:
    virtual ~MachineControl() = default;
    virtual void request_poweroff() = 0;
    virtual void request_reset() = 0;
    // The guest asked to exit with a status (the debug-exit device).
    virtual void request_exit(uint32_t guest_value) = 0;
};

// Where a character device's output goes (a console back end).
class CharSink {
public:
    virtual ~CharSink() = default;
    virtual void write(std::span<uint8_t const> bytes) = 0;
};

} // namespace vireo
