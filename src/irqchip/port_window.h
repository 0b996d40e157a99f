// A view of part of a larger device on a bus. Devices that decode absolute I/O port numbers
// (the PIC pair answers at 0x20, 0xA0 and 0x4D0; the PIT at 0x40 and 0x61) are placed on
// the port bus as several windows, each forwarding offset o as port base + o.
#pragma once

#include <memory>

#include "bus/bus_device.h"

namespace vireo::irqchip {

class PortWindow final : public BusDevice {
public:
    PortWindow(std::shared_ptr<BusDevice> owner, uint64_t base)
        : owner_(std::move(owner))
        , base_(base) {}

    std::string_view name() const override { return owner_->name(); }
    void read(uint64_t offset, std::span<uint8_t> data) override {
        owner_->read(base_ + offset, data);
    }
    void write(uint64_t offset, std::span<uint8_t const> data) override {
        owner_->write(base_ + offset, data);
    }

private:
    std::shared_ptr<BusDevice> owner_;
    uint64_t base_;
};

} // namespace vireo::irqchip
