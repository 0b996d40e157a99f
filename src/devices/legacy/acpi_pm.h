// The ACPI fixed-hardware register block at pc::kAcpiPmBase (ACPI 6.5 4.8): PM1a event and
// control registers, the PM timer, GPE0 and the reset register. It is how a guest powers off
// (SLP_TYP = S5 with SLP_EN), resets (RESET_REG), keeps time (PM timer) and hears the power
// button (PWRBTN_STS and the SCI).
//
// ACPI is always enabled: the FADT has no SMI command port, so SCI_EN reads as 1.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

#include "bus/bus_device.h"
#include "devices/legacy/irq_forwarder.h"
#include "devices/machine.h"

namespace vireo {

class AcpiPm final : public BusDevice {
public:
    // The FADT's TMR_VAL_EXT flag says which width the guest expects (ACPI 6.5 5.2.9).
    enum class TimerWidth { Bits24, Bits32 };

    using Clock = std::chrono::steady_clock;

    // `sci` (the SCI line, pc::kAcpiSciIrq) and `machine` must outlive the device.
    AcpiPm(IrqLine& sci, MachineControl& machine, TimerWidth width = TimerWidth::Bits32);

    std::string_view name() const override { return "acpi-pm"; }
    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<uint8_t const> data) override;

    // The control API's "press the power button": sets PWRBTN_STS, which raises the SCI if
    // the guest enabled PWRBTN_EN. Safe from any thread.
    void press_power_button();

    // The PM timer's count at `now` (exposed so tests can check its rate).
    uint32_t timer_at(Clock::time_point now) const;

private:
    enum class Request { None, Poweroff, Reset };

    uint64_t ticks_at(Clock::time_point now) const;
    uint16_t status_at(Clock::time_point now) const;
    Request write_registers(uint64_t offset, std::span<uint8_t const> data);
    Request write_control(uint16_t value, uint16_t mask);
    bool sci_level() const;
    void finish(Request request);

    IrqForwarder sci_;
    MachineControl& machine_;
    unsigned const timer_bits_;
    Clock::time_point const start_ = Clock::now();

    std::mutex mutex_;
    uint16_t pm1_status_ = 0; // without TMR_STS, which status_at() derives from the timer
    uint16_t pm1_enable_ = 0;
    uint16_t pm1_control_ = 0;
    uint64_t timer_carry_seen_ = 0; // timer MSB toggles when TMR_STS was last cleared
    uint16_t gpe0_status_ = 0;
    uint16_t gpe0_enable_ = 0;
};

} // namespace vireo
