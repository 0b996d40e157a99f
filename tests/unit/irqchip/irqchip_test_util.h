// Helpers for the irqchip unit tests: a fake clock time line, port and register accessors,
// and a set of local APICs on one bus.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "bus/bus_device.h"
#include "devices/machine.h"
#include "irqchip/apic_bus.h"
#include "irqchip/clock.h"
#include "irqchip/local_apic.h"

namespace vireo::irqchip::test {

// Tests start well away from zero so that "time zero" bugs do not hide.
inline constexpr uint64_t kStartNs = 5'000'000'000;

inline void outb(BusDevice& device, uint64_t port, uint8_t value) {
    std::array<uint8_t, 1> data{value};
    device.write(port, data);
}

inline uint8_t inb(BusDevice& device, uint64_t port) {
    std::array<uint8_t, 1> data{};
    device.read(port, data);
    return data[0];
}

inline void write32(BusDevice& device, uint64_t offset, uint32_t value) {
    std::array<uint8_t, 4> data{};
    store_le(data, value);
    device.write(offset, data);
}

inline uint32_t read32(BusDevice& device, uint64_t offset) {
    std::array<uint8_t, 4> data{};
    device.read(offset, data);
    return static_cast<uint32_t>(load_le(data));
}

// An interrupt line that records its transitions.
class RecordingLine final : public IrqLine {
public:
    void set_level(bool level) override {
        if (level && !level_)
            ++rising_edges;
        level_ = level;
    }
    bool level() const { return level_; }
    unsigned rising_edges = 0;

private:
    bool level_ = false;
};

// Local APICs on one bus, each software-enabled in flat logical mode with LDR bit = index,
// as Linux 6.1 programs them (arch/x86/kernel/apic/apic_flat_64.c).
class ApicSystem {
public:
    explicit ApicSystem(unsigned count, LocalApicConfig const& config = {})
        : clock(kStartNs) {
        for (unsigned i = 0; i < count; ++i) {
            auto apic = LocalApic::create(i, bus, clock, config);
            EXPECT_TRUE(apic.has_value());
            EXPECT_TRUE(bus.attach(**apic).has_value());
            auto* raw = apic->get();
            raw->set_wake_callback([this, i] { wakes[i].fetch_add(1); });
            apics.push_back(std::move(*apic));
            raw->write_register(apic::kSvr, apic::kSvrEnable | kSpuriousVector);
            raw->write_register(apic::kDfr, apic::kDfrFlat);
            raw->write_register(apic::kLdr, (1U << i) << 24);
        }
    }

    LocalApic& operator[](unsigned index) { return *apics.at(index); }

    // Sends an IPI from `from` the way Linux does: ICR high, then ICR low.
    void send_ipi(unsigned from, uint8_t destination, uint32_t icr_low) {
        apics.at(from)->write_register(apic::kIcrHigh, uint32_t{destination} << 24);
        apics.at(from)->write_register(apic::kIcrLow, icr_low);
    }

    // Takes the pending interrupt like a CPU would and ends it with an EOI.
    static std::optional<uint8_t> take_and_eoi(LocalApic& apic) {
        auto const vector = apic.pending_vector();
        if (!vector)
            return std::nullopt;
        uint8_t const taken = apic.acknowledge(*vector);
        apic.write_register(apic::kEoi, 0);
        return taken;
    }

    static constexpr uint8_t kSpuriousVector = 0xff;

    ManualClock clock;
    ApicBus bus;
    std::vector<std::unique_ptr<LocalApic>> apics;
    std::array<std::atomic<unsigned>, 8> wakes{};
};

// The bit a vector occupies in its 32-bit IRR/ISR/TMR register.
inline bool vector_bit(LocalApic& apic, uint32_t bank, uint8_t vector) {
    uint32_t const word = apic.read_register(bank + (vector / 32) * apic::kRegisterStride);
    return (word & (1U << (vector % 32))) != 0;
}

} // namespace vireo::irqchip::test
