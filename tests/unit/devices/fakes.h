// Stand-ins for what the VMM gives devices: an IRQ line that records its level, a sink that
// collects output, a machine that records requests.
#pragma once

#include <cstdint>
#include <mutex>
#include <span>
#include <vector>

#include "bus/bus_device.h"
#include "devices/machine.h"

namespace vireo::test {

class FakeIrqLine final : public IrqLine {
public:
    void set_level(bool level) override {
        std::lock_guard lock(mutex_);
        if (level && !level_)
            ++raised_;
        level_ = level;
    }
    bool level() {
        std::lock_guard lock(mutex_);
        return level_;
    }
    unsigned times_raised() {
        std::lock_guard lock(mutex_);
        return raised_;
    }

private:
    std::mutex mutex_;
    bool level_ = false;
    unsigned raised_ = 0;
};

class RecordingSink final : public CharSink {
public:
    void write(std::span<uint8_t const> bytes) override {
        bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
    }
    std::vector<uint8_t> bytes_;
};

class FakeMachine final : public MachineControl {
public:
    void request_poweroff() override { ++poweroffs; }
    void request_reset() override { ++resets; }
    void request_exit(uint32_t guest_value) override { exits.push_back(guest_value); }

    unsigned poweroffs = 0;
    unsigned resets = 0;
    std::vector<uint32_t> exits;
};

// Port accesses of a given width, as a vCPU performs them.
inline uint64_t read_port(BusDevice& device, uint64_t offset, size_t width = 1) {
    uint8_t buffer[8] = {};
    device.read(offset, std::span(buffer, width));
    return load_le(std::span<uint8_t const>(buffer, width));
}

inline void write_port(BusDevice& device, uint64_t offset, uint64_t value, size_t width = 1) {
    uint8_t buffer[8] = {};
    store_le(std::span(buffer, width), value);
    device.write(offset, std::span<uint8_t const>(buffer, width));
}

} // namespace vireo::test
