// Just enough of the Intel 8042 keyboard controller for a guest to reset the machine through
// it (Linux's reboot=kbd, its default fallback): there is no keyboard or mouse behind it.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "bus/bus_device.h"
#include "devices/legacy/device_range.h"
#include "devices/machine.h"

namespace vireo {

class I8042 final : public BusDevice {
public:
    // Offsets in the block the device decodes: port - pc::kI8042DataPort.
    static constexpr uint64_t kDataOffset = 0;
    static constexpr uint64_t kCommandOffset = 4;

    // `machine` must outlive the device.
    explicit I8042(MachineControl& machine)
        : machine_(machine) {}

    // The two single ports the VMM inserts (0x61 between them belongs to another device).
    static std::vector<DeviceRange> ranges(std::shared_ptr<I8042> const& controller);

    std::string_view name() const override { return "i8042"; }
    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<uint8_t const> data) override;

private:
    uint8_t read_data();
    uint8_t read_status();
    bool write_data(uint8_t value);
    bool write_command(uint8_t command);

    MachineControl& machine_;
    std::mutex mutex_;
    std::optional<uint8_t> output_;       // a reply waiting in the output buffer
    uint8_t last_output_ = 0;             // what the data port reads once it is taken
    uint8_t command_byte_ = 0x45;         // translation, system flag, keyboard interrupt (AT BIOS)
    std::optional<uint8_t> data_command_; // a command waiting for its data byte
};

} // namespace vireo
