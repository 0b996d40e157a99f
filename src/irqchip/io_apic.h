// The I/O APIC (Intel 82093AA datasheet, order 290566): 24 pins, each with a redirection
// entry that turns its level into a message on the ApicBus. Registers are reached through
// an index (IOREGSEL) and a data window (IOWIN).
#pragma once

#include <array>
#include <cstdint>
#include <mutex>

#include "bus/bus_device.h"
#include "irqchip/apic_bus.h"
#include "x86/pc_layout.h"

namespace vireo::irqchip {

class IoApic final : public BusDevice, public EoiListener {
public:
    static constexpr uint64_t kMmioSize = 0x20; // IOREGSEL at 0x00, IOWIN at 0x10
    static constexpr unsigned kPins = pc::kIoApicPins;

    explicit IoApic(ApicBus& bus);

    std::string_view name() const override { return "ioapic"; }
    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<uint8_t const> data) override;

    // The asserted state of a pin's line (not its electrical level: the polarity bit is the
    // guest's description of the wire, and vireo's devices report asserted/deasserted, as
    // KVM's and QEMU's IOAPICs also assume). Any thread.
    void set_irq(unsigned pin, bool asserted);
    // A local APIC ended a level-triggered vector: clears remote IRR on the pins using it
    // and re-delivers those still asserted. Any thread.
    void end_of_interrupt(uint8_t vector) override;

    // The raw 64-bit redirection entry, for tests and state dumps.
    uint64_t redirection_entry(unsigned pin) const;

private:
    uint32_t read_register_locked(uint8_t index) const;
    void write_register_locked(uint8_t index, uint32_t value);
    void write_entry_half_locked(unsigned pin, bool high, uint32_t value);
    void service_locked(unsigned pin);

    ApicBus& bus_;
    mutable std::mutex mutex_;
    uint8_t select_ = 0;
    uint32_t id_ = 0;
    std::array<uint64_t, kPins> entries_{};
    uint32_t asserted_ = 0; // one bit per pin
};

} // namespace vireo::irqchip
