#include "devices/pci/config_access.h"

#include <cstring>

#include "base/trace.h"

namespace vireo::pci {

namespace {

// CONFIG_ADDRESS fields (PCI Local Bus 3.0 3.2.2.3.2, Figure 3-2). Bits 30:24 are reserved
// and bits 1:0 read as zero, so only these bits are kept.
constexpr uint32_t kConfigEnable = 1U << 31;
constexpr uint32_t kConfigAddressBits = kConfigEnable | 0x00fffffc;
constexpr uint64_t kConfigDataOffset = 4; // 0xCFC within the eight ports

// ECAM offset fields (PCI Express Base 4.0 7.2.2, Table 7-1).
constexpr unsigned kEcamBusShift = 20;
constexpr unsigned kEcamDeviceShift = 15;
constexpr unsigned kEcamFunctionShift = 12;
constexpr uint64_t kEcamRegisterMask = 0xfff;

PciAddress decode_config_address(uint32_t value) {
    return PciAddress{static_cast<uint8_t>(value >> 16), static_cast<uint8_t>((value >> 11) & 0x1f),
                      static_cast<uint8_t>((value >> 8) & 0x7)};
}

PciAddress decode_ecam(uint64_t offset) {
    return PciAddress{static_cast<uint8_t>(offset >> kEcamBusShift),
                      static_cast<uint8_t>((offset >> kEcamDeviceShift) & 0x1f),
                      static_cast<uint8_t>((offset >> kEcamFunctionShift) & 0x7)};
}

// Configuration requests carry one DWORD with byte enables (PCI Express Base 4.0 2.2.7), so an
// access that crosses a DWORD boundary has no meaning; vireo ignores it.
bool within_dword(uint64_t offset, size_t size) {
    return size >= 1 && size <= 4 && offset % 4 + size <= 4;
}

} // namespace

void ConfigPorts::read(uint64_t offset, std::span<uint8_t> data) {
    std::memset(data.data(), 0xff, data.size());
    if (offset == 0 && data.size() == 4) {
        store_le(data, address_.load(std::memory_order_relaxed));
        return;
    }
    if (offset < kConfigDataOffset)
        return; // not a DWORD access to CONFIG_ADDRESS: an ordinary, unclaimed I/O read
    uint32_t const address = address_.load(std::memory_order_relaxed);
    if ((address & kConfigEnable) == 0)
        return;
    auto const reg = static_cast<uint16_t>((address & 0xfc) + (offset - kConfigDataOffset));
    bus_.config_read(decode_config_address(address), reg, data);
}

void ConfigPorts::write(uint64_t offset, std::span<uint8_t const> data) {
    if (offset == 0 && data.size() == 4) {
        address_.store(static_cast<uint32_t>(load_le(data)) & kConfigAddressBits,
                       std::memory_order_relaxed);
        return;
    }
    if (offset < kConfigDataOffset)
        return;
    uint32_t const address = address_.load(std::memory_order_relaxed);
    if ((address & kConfigEnable) == 0)
        return;
    auto const reg = static_cast<uint16_t>((address & 0xfc) + (offset - kConfigDataOffset));
    bus_.config_write(decode_config_address(address), reg, data);
}

void Ecam::read(uint64_t offset, std::span<uint8_t> data) {
    if (!within_dword(offset, data.size())) {
        VIREO_TRACE(Pci, "ecam: ignoring a {}-byte read at {:#x}", data.size(), offset);
        std::memset(data.data(), 0xff, data.size());
        return;
    }
    bus_.config_read(decode_ecam(offset), static_cast<uint16_t>(offset & kEcamRegisterMask), data);
}

void Ecam::write(uint64_t offset, std::span<uint8_t const> data) {
    if (!within_dword(offset, data.size())) {
        VIREO_TRACE(Pci, "ecam: ignoring a {}-byte write at {:#x}", data.size(), offset);
        return;
    }
    bus_.config_write(decode_ecam(offset), static_cast<uint16_t>(offset & kEcamRegisterMask), data);
}

} // namespace vireo::pci
