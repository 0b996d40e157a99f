// A guest's view of a virtio-pci function without a PCI bus: configuration space through
// PciDevice, BAR 0 accesses by offset, and the interrupts it sends.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bus/bus_device.h"
#include "devices/machine.h"
#include "devices/pci/msix.h"
#include "devices/pci/pci_registers.h"
#include "devices/virtio/pci_layout.h"
#include "devices/virtio/virtio_pci.h"

namespace vireo::virtio::test {

class RecordingMsi final : public pci::MsiSink {
public:
    void signal_msi(uint64_t address, uint32_t data) override {
        messages.push_back({address, data});
    }
    std::vector<std::pair<uint64_t, uint32_t>> messages;
};

class Line final : public IrqLine {
public:
    void set_level(bool value) override { level = value; }
    bool level = false;
};

// A device that records what the transport asks of it.
class FakeDevice final : public VirtioDevice {
public:
    DeviceType type() const override { return DeviceType::Console; }
    std::string_view name() const override { return "fake"; }
    uint64_t features() const override { return offered; }
    std::vector<uint16_t> queue_sizes() const override { return {16, 8}; }
    uint32_t config_size() const override { return 8; }
    void read_config(uint32_t offset, std::span<uint8_t> data) override {
        for (size_t i = 0; i < data.size(); ++i)
            data[i] = config[offset + i];
    }
    void write_config(uint32_t offset, std::span<uint8_t const> data) override {
        for (size_t i = 0; i < data.size(); ++i)
            config[offset + i] = data[i];
    }
    bool accept_features(uint64_t features) override { return !refuse || features != *refuse; }
    Result<void> activate(Activation const& activation) override {
        ++activations;
        features_seen = activation.features;
        queues.assign(activation.queues.begin(), activation.queues.end());
        if (fail_activation)
            return make_error("the fake refuses");
        return {};
    }
    void reset() override {
        ++resets;
        queues.clear();
    }
    void change_config(uint8_t value) {
        config[0] = value;
        link()->config_changed();
    }
    void break_device() { link()->needs_reset("fake trouble"); }

    uint64_t offered = 1U << 3;
    std::optional<uint64_t> refuse;
    bool fail_activation = false;
    std::array<uint8_t, 8> config{};
    unsigned activations = 0;
    unsigned resets = 0;
    uint64_t features_seen = 0;
    std::vector<Virtqueue*> queues;
};

namespace common = pci_layout::common;

// Accessors in the widths a driver uses.
class PciDriver {
public:
    explicit PciDriver(VirtioPciDevice& device)
        : device_(device) {}

    uint64_t read(uint64_t offset, size_t width) {
        uint8_t bytes[8] = {};
        device_.bar_read(0, offset, std::span(bytes, width));
        return load_le(std::span(bytes, width));
    }
    void write(uint64_t offset, uint64_t value, size_t width) {
        uint8_t bytes[8] = {};
        store_le(bytes, value);
        device_.bar_write(0, offset, std::span(bytes, width));
    }
    uint32_t config32(uint16_t offset) {
        uint8_t bytes[4] = {};
        device_.config_read(offset, bytes);
        return static_cast<uint32_t>(load_le(bytes));
    }
    void write_config(uint16_t offset, uint64_t value, size_t width) {
        uint8_t bytes[4] = {};
        store_le(bytes, value);
        device_.config_write(offset, std::span(bytes, width));
    }

    uint8_t status() { return static_cast<uint8_t>(read(common::kDeviceStatus, 1)); }
    void set_status(uint8_t value) { write(common::kDeviceStatus, value, 1); }
    uint64_t device_features() {
        write(common::kDeviceFeatureSelect, 0, 4);
        uint64_t low = read(common::kDeviceFeature, 4);
        write(common::kDeviceFeatureSelect, 1, 4);
        return low | read(common::kDeviceFeature, 4) << 32;
    }
    void set_driver_features(uint64_t features) {
        write(common::kDriverFeatureSelect, 0, 4);
        write(common::kDriverFeature, features & 0xffffffff, 4);
        write(common::kDriverFeatureSelect, 1, 4);
        write(common::kDriverFeature, features >> 32, 4);
    }
    // Acknowledge, driver, features, FEATURES_OK; returns the status read back.
    uint8_t negotiate(uint64_t features) {
        set_status(kStatusAcknowledge);
        set_status(kStatusAcknowledge | kStatusDriver);
        set_driver_features(features);
        set_status(kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
        return status();
    }
    void setup_queue(uint16_t index, uint16_t size, uint64_t desc, uint64_t avail, uint64_t used,
                     uint16_t vector = kNoVector) {
        write(common::kQueueSelect, index, 2);
        write(common::kQueueSize, size, 2);
        write(common::kQueueDesc, desc, 4); // as two halves, like Linux
        write(common::kQueueDesc + 4, desc >> 32, 4);
        write(common::kQueueDriver, avail, 8);
        write(common::kQueueDevice, used, 8);
        write(common::kQueueMsixVector, vector, 2);
        write(common::kQueueEnable, 1, 2);
    }
    void driver_ok() {
        set_status(kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk | kStatusDriverOk);
    }
    void notify(uint16_t index) { write(VirtioPciDevice::notify_offset(index), index, 2); }
    uint8_t isr() { return static_cast<uint8_t>(read(pci_layout::kIsrOffset, 1)); }

    // Finds the virtio capability of cfg_type `type` (virtio 1.2 4.1.4): its config offset.
    std::optional<uint16_t> find_capability(uint8_t type) {
        auto offset = static_cast<uint8_t>(config32(pci::kCapabilitiesPointer));
        for (int guard = 0; offset != 0 && guard < 48; ++guard) {
            uint32_t const header = config32(offset);
            if ((header & 0xff) == pci::kCapabilityVendor && (header >> 24) == type)
                return offset;
            offset = static_cast<uint8_t>(header >> 8);
        }
        return std::nullopt;
    }
    std::optional<uint16_t> find_msix() {
        auto offset = static_cast<uint8_t>(config32(pci::kCapabilitiesPointer));
        for (int guard = 0; offset != 0 && guard < 48; ++guard) {
            uint32_t const header = config32(offset);
            if ((header & 0xff) == pci::kCapabilityMsix)
                return offset;
            offset = static_cast<uint8_t>(header >> 8);
        }
        return std::nullopt;
    }
    // Programs MSI-X vector `vector` to send `data` and enables MSI-X.
    void enable_msix(uint16_t vector_count) {
        auto const cap = *find_msix();
        for (uint16_t vector = 0; vector < vector_count; ++vector) {
            uint64_t const entry = pci_layout::kMsixTableOffset + 16 * uint64_t{vector};
            write(entry, 0xfee00000, 4);
            write(entry + 4, 0, 4);
            write(entry + 8, 0x40 + vector, 4);
            write(entry + 12, 0, 4);
        }
        write_config(cap + 2, 1U << 15, 2);
    }

private:
    VirtioPciDevice& device_;
};

} // namespace vireo::virtio::test
