// QEMU's pc-testdev (hw/misc/pc-testdev.c), which kvm-unit-tests and vireo's test guests use:
//   0xe0-0xe3  a 32-bit scratch register, any width at any byte
//   0xe4-0xe7  write a guest-physical address (32-bit access) to flush that page's mappings
//   0xe8-0xeb  the same scratch register, accessed byte by byte
//   0x2000-0x2017  one byte port per ISA/GSI line: writing v sets line n to !!v
//   0xff000000  64 KiB that behaves like RAM for every access width
// Enabled with --testdev. ranges() lists exactly the regions QEMU registers.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "base/result.h"
#include "bus/bus_device.h"
#include "devices/legacy/device_range.h"
#include "devices/machine.h"
#include "memory/guest_memory.h"

namespace vireo {

class PcTestDev final : public BusDevice {
public:
    static constexpr size_t kIrqLineCount = 24; // QEMU's region at 0x2000 is 24 bytes

    // Offsets in the port block at pc::kTestDevPort that this device decodes.
    static constexpr uint64_t kScratchOffset = 0x0;
    static constexpr uint64_t kFlushOffset = 0x4;
    static constexpr uint64_t kByteScratchOffset = 0x8;
    static constexpr uint64_t kWindowSize = 4;

    // `lines` holds the 24 ISA/GSI lines in order; they and `memory` must outlive the device.
    static Result<std::shared_ptr<PcTestDev>> create(GuestMemory& memory,
                                                     std::span<IrqLine* const> lines);

    // The ranges QEMU registers: on the I/O port bus the three 4-byte windows at 0xe0, 0xe4
    // and 0xe8 and the IRQ ports at 0x2000; on the MMIO bus the 64 KiB memory.
    static std::vector<DeviceRange> port_ranges(std::shared_ptr<PcTestDev> const& device);
    DeviceRange mmio_range() const;

    std::string_view name() const override { return "pc-testdev"; }
    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<uint8_t const> data) override;

    uint32_t scratch();

private:
    PcTestDev(GuestMemory& memory, std::array<IrqLine*, kIrqLineCount> lines);

    void flush_page(uint64_t guest_address);

    GuestMemory& memory_;
    std::shared_ptr<BusDevice> irq_ports_;
    std::shared_ptr<BusDevice> iomem_;
    std::mutex mutex_;
    uint32_t scratch_ = 0;
};

} // namespace vireo
