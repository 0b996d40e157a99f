// Where a device sits on the I/O port or MMIO bus: what the VMM passes to Bus::insert.
#pragma once

#include <cstdint>
#include <memory>

#include "bus/bus_device.h"

namespace vireo {

struct DeviceRange {
    uint64_t base;
    uint64_t length;
    std::shared_ptr<BusDevice> device;
};

// A device whose registers are not contiguous on the bus (the i8042 at 0x60 and 0x64 with
// another device at 0x61) decodes one block of offsets; each bus range it occupies is a
// window onto part of that block. `window_offset` is where the window starts in the block.
DeviceRange device_window(std::shared_ptr<BusDevice> device, uint64_t base, uint64_t window_offset,
                          uint64_t length);

} // namespace vireo
