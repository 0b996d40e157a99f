// The interface every emulated device presents to the guest: reads and writes at an offset
// within the range the device occupies on a bus (I/O ports or MMIO). Devices never see the
// accelerator (KVM or the emulator) that turned a guest instruction into the access.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace vireo {

class BusDevice {
public:
    virtual ~BusDevice() = default;

    virtual std::string_view name() const = 0;

    // A read the device does not implement returns all ones, as an unclaimed bus does.
    virtual void read(uint64_t offset, std::span<uint8_t> data) {
        (void)offset;
        std::memset(data.data(), 0xff, data.size());
    }
    virtual void write(uint64_t offset, std::span<uint8_t const> data) {
        (void)offset;
        (void)data;
    }
};

// Little-endian helpers for devices that decode accesses of 1, 2, 4 or 8 bytes.
inline uint64_t load_le(std::span<uint8_t const> data) {
    uint64_t value = 0;
    std::memcpy(&value, data.data(), std::min<size_t>(data.size(), sizeof(value)));
    return value;
}
inline void store_le(std::span<uint8_t> data, uint64_t value) {
    std::memcpy(data.data(), &value, std::min<size_t>(data.size(), sizeof(value)));
}

} // namespace vireo
