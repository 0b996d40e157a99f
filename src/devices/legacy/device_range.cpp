#include "devices/legacy/device_range.h"

namespace vireo {

namespace {

class DeviceWindow final : public BusDevice {
public:
    DeviceWindow(std::shared_ptr<BusDevice> device, uint64_t window_offset)
        : device_(std::move(device))
        , window_offset_(window_offset) {}

    std::string_view name() const override { return device_->name(); }
    void read(uint64_t offset, std::span<uint8_t> data) override {
        device_->read(window_offset_ + offset, data);
    }
    void write(uint64_t offset, std::span<uint8_t const> data) override {
        device_->write(window_offset_ + offset, data);
    }

private:
    std::shared_ptr<BusDevice> device_;
    uint64_t window_offset_;
};

} // namespace

DeviceRange device_window(std::shared_ptr<BusDevice> device, uint64_t base, uint64_t window_offset,
                          uint64_t length) {
    return DeviceRange{base, length,
                       std::make_shared<DeviceWindow>(std::move(device), window_offset)};
}

} // namespace vireo
