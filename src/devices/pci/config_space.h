// The 256 bytes of a PCI function's configuration space, with per-bit write masks: a guest
// write changes only the bits its mask marks writable and clears the bits marked
// write-1-to-clear where it writes ones. Read-only registers (IDs, class, capability
// structures) are simply bytes whose mask is zero. BAR sizing needs nothing special: a BAR's
// mask is ~(size - 1) above its flag bits, so writing all ones reads back the size mask
// (PCI Local Bus 3.0 6.2.5.1).
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "devices/pci/pci_registers.h"

namespace vireo::pci {

class ConfigSpace {
public:
    // Guest accesses: any width, any alignment; bytes beyond the space read as zero and
    // ignore writes.
    void read(uint16_t offset, std::span<uint8_t> data) const;
    void write(uint16_t offset, std::span<uint8_t const> data);

    // Set-up and device-side access, which ignores the masks.
    [[nodiscard]] uint8_t get8(uint16_t offset) const { return bytes_[offset]; }
    [[nodiscard]] uint16_t get16(uint16_t offset) const;
    [[nodiscard]] uint32_t get32(uint16_t offset) const;
    void set8(uint16_t offset, uint8_t value) { bytes_[offset] = value; }
    void set16(uint16_t offset, uint16_t value);
    void set32(uint16_t offset, uint32_t value);

    // Which bits of [offset, offset + width) the guest may write, or clear by writing 1.
    void set_writable(uint16_t offset, unsigned width, uint32_t mask);
    void set_write_clear(uint16_t offset, unsigned width, uint32_t mask);

private:
    static void put(std::array<uint8_t, kConfigSpaceSize>& target, uint16_t offset, unsigned width,
                    uint32_t value);
    [[nodiscard]] uint32_t get(uint16_t offset, unsigned width) const;

    std::array<uint8_t, kConfigSpaceSize> bytes_{};
    std::array<uint8_t, kConfigSpaceSize> writable_{};
    std::array<uint8_t, kConfigSpaceSize> write_clear_{};
};

} // namespace vireo::pci
