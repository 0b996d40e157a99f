// A port that accepts writes and ignores them. Port 0x80 is the POST code port: firmware
// writes progress codes there, and Linux's default io_delay writes it after slow port
// accesses (arch/x86/kernel/io_delay.c), thousands of times during boot; 0xED is the
// alternative io_delay port (io_delay=0xed). Claiming them keeps those writes off the
// "unclaimed port" trace path and records the last POST code, which tells where firmware
// stopped. Reads return all ones, like an empty ISA bus, which is what the guest would see
// on a PC without a POST card.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "bus/bus_device.h"

namespace vireo {

// Not in pc_layout.h (which this folder does not own); the IBM PC/AT assignments.
inline constexpr uint16_t kPostCodePort = 0x80;
inline constexpr uint16_t kAltIoDelayPort = 0xed;

class PortSink final : public BusDevice {
public:
    explicit PortSink(std::string name)
        : name_(std::move(name)) {}

    std::string_view name() const override { return name_; }
    void write(uint64_t offset, std::span<uint8_t const> data) override {
        (void)offset;
        last_value_.store(data[0], std::memory_order_relaxed);
    }

    // The last byte written, for crash reports ("firmware stopped at POST code 0x..").
    uint8_t last_value() const { return last_value_.load(std::memory_order_relaxed); }

private:
    std::string name_;
    std::atomic<uint8_t> last_value_{0};
};

} // namespace vireo
