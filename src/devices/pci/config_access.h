// The two ways a guest reaches configuration space, as bus devices in front of the PciBus:
// configuration mechanism #1 at ports 0xCF8-0xCFF and the memory-mapped ECAM area.
#pragma once

#include <atomic>
#include <cstdint>

#include "bus/bus_device.h"
#include "devices/pci/pci_bus.h"

namespace vireo::pci {

// PCI Local Bus 3.0 3.2.2.3.2: CONFIG_ADDRESS at 0xCF8 (DWORD accesses only), CONFIG_DATA at
// 0xCFC-0xCFF (byte, word or DWORD). Occupies the eight ports 0xCF8-0xCFF.
inline constexpr uint16_t kConfigAddressPort = 0xcf8;
inline constexpr uint64_t kConfigPortCount = 8;

class ConfigPorts final : public BusDevice {
public:
    // `bus` must outlive the ports.
    explicit ConfigPorts(PciBus& bus)
        : bus_(bus) {}

    std::string_view name() const override { return "pci-config-ports"; }
    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<uint8_t const> data) override;

private:
    PciBus& bus_;
    std::atomic<uint32_t> address_{0};
};

// PCI Express Base 4.0 7.2.2: 4 KiB of configuration space per function, at
// (bus << 20 | device << 15 | function << 12) from the area's base.
class Ecam final : public BusDevice {
public:
    explicit Ecam(PciBus& bus)
        : bus_(bus) {}

    std::string_view name() const override { return "pci-ecam"; }
    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<uint8_t const> data) override;

private:
    PciBus& bus_;
};

} // namespace vireo::pci
