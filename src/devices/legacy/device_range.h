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

} // namespace vireo
