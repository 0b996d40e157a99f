// The PC's Intel 8254 interval timer (datasheet order 231164) at ports 0x40-0x43, and system
// control port B at 0x61 (IBM PC/AT; PIIX4 "NMI status and control"), which gates channel 2
// and shows its OUT. Channel 0's OUT drives ISA IRQ 0.
//
// Timers fire from the clock: next_deadline_ns() says when channel 0's OUT rises next and
// update_timers(now) raises the IRQ line for what has happened by then, so the emulator can
// poll it from a vCPU or a timer thread.
//
// Bus placement: read()/write() take the I/O port number as the offset; the VMM maps two
// windows onto it (see Chipset::platform_devices()).
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <mutex>
#include <optional>

#include "bus/bus_device.h"
#include "devices/machine.h"
#include "irqchip/pit_channel.h"

namespace vireo::irqchip {

class Clock;

class Pit8254 final : public BusDevice {
public:
    static constexpr unsigned kChannels = 3;

    // irq0: the line channel 0's OUT drives; it is called with the PIT's lock held.
    Pit8254(Clock const& clock, IrqLine* irq0);

    std::string_view name() const override { return "pit"; }
    void read(uint64_t port, std::span<uint8_t> data) override;
    void write(uint64_t port, std::span<uint8_t const> data) override;

    // When channel 0's OUT next rises (lock-free).
    std::optional<uint64_t> next_deadline_ns() const;
    // Drives IRQ 0 for channel 0's OUT transitions up to now. Missed periods collapse into
    // one edge, as an edge-triggered IRR would collapse them. Any thread.
    void update_timers(uint64_t now_ns);
    // Called (outside the PIT's lock) after a guest write moved channel 0's deadline, so
    // that whoever sleeps until next_deadline_ns() can recompute it. Wire before running.
    void set_timer_changed_callback(std::function<void()> callback) {
        timer_changed_ = std::move(callback);
    }

private:
    uint8_t read_port_locked(uint64_t port, uint64_t now_ns);
    // Returns whether channel 0 was reprogrammed.
    bool write_port_locked(uint64_t port, uint8_t value, uint64_t now_ns);
    bool write_control_locked(uint8_t value, uint64_t now_ns);
    void update_irq_locked(uint64_t now_ns);
    void set_irq_locked(bool level);

    Clock const& clock_;
    IrqLine* const irq0_;
    std::function<void()> timer_changed_;
    std::atomic<uint64_t> deadline_ns_{UINT64_MAX};

    std::mutex mutex_;
    std::array<PitChannel, kChannels> channels_;
    uint64_t edges_reported_ = 0; // channel 0 rising edges already driven onto IRQ 0
    bool irq_level_ = false;
    uint8_t port_b_ = 0; // the writable bits of port 0x61
};

} // namespace vireo::irqchip
