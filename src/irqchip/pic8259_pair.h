// The PC's two cascaded 8259As (master at ports 0x20-0x21, slave at 0xA0-0xA1, slave on
// master IR2) and their edge/level control registers at 0x4D0-0x4D1 (Intel 82371AB PIIX4
// datasheet, ELCR1/ELCR2). The master's INTR goes to the BSP's LINT0; the local APIC fetches
// vectors through ExtIntController.
//
// Bus placement: read()/write() take the I/O port number as the offset, so the VMM maps
// three windows onto this one device (see Chipset::platform_devices()).
#pragma once

#include <functional>
#include <mutex>

#include "bus/bus_device.h"
#include "irqchip/apic_types.h"
#include "irqchip/pic8259.h"

namespace vireo::irqchip {

class Pic8259Pair final : public BusDevice, public ExtIntController {
public:
    static constexpr unsigned kIrqCount = 16;
    static constexpr unsigned kCascadeIrq = 2;

    Pic8259Pair();

    // The INTR output, called with the PIC's lock held whenever its level changes (the
    // receiver must not call back into the PIC). Wire before the guest runs.
    void set_output(std::function<void(bool)> intr) { output_ = std::move(intr); }

    // The level of ISA IRQ line 0-15. Any thread.
    void set_irq(unsigned irq, bool level);

    std::string_view name() const override { return "pic"; }
    void read(uint64_t port, std::span<uint8_t> data) override;
    void write(uint64_t port, std::span<uint8_t const> data) override;

    std::optional<uint8_t> peek_vector() override;
    uint8_t acknowledge_interrupt() override;

private:
    uint8_t read_port_locked(uint64_t port);
    void write_port_locked(uint64_t port, uint8_t value);
    std::optional<uint8_t> resolve_locked(bool acknowledge);
    void update_locked();

    std::mutex mutex_;
    Pic8259 master_;
    Pic8259 slave_;
    bool output_level_ = false;
    std::function<void(bool)> output_;
};

} // namespace vireo::irqchip
