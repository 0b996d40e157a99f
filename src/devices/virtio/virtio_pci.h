// A virtio device on PCI, modern interface only (virtio 1.2 4.1): the vendor-specific
// capabilities, BAR 0 with the common configuration, notification, ISR and device-specific
// structures and the MSI-X table, and the interrupts (MSI-X vectors, or INTx with the ISR).
// The transport rules themselves live in TransportState.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "base/result.h"
#include "devices/pci/pci_device.h"
#include "devices/virtio/doorbells.h"
#include "devices/virtio/transport_state.h"
#include "devices/virtio/virtio_device.h"

namespace vireo {
class GuestMemory;
}

namespace vireo::virtio {

class VirtioPciDevice final : public pci::PciDevice, private InterruptTarget {
public:
    // `memory` and `doorbells` (if any) must outlive the device. With `doorbells`, the queue
    // notification addresses are registered wherever BAR 0 is mapped.
    static Result<std::shared_ptr<VirtioPciDevice>>
    create(std::shared_ptr<VirtioDevice> const& device, GuestMemory& memory,
           DoorbellRegistry* doorbells = nullptr);
    ~VirtioPciDevice() override;

    std::string_view name() const override { return name_; }
    void bar_read(unsigned index, uint64_t offset, std::span<uint8_t> data) override;
    void bar_write(unsigned index, uint64_t offset, std::span<uint8_t const> data) override;
    void bar_moved(unsigned index, std::optional<uint64_t> address) override;

    // The queue notification address of queue `index` within BAR 0.
    static uint64_t notify_offset(uint16_t index);
    TransportState& transport() { return *state_; }

protected:
    void before_config_read(uint16_t offset, size_t size) override;
    void after_config_write(uint16_t offset, size_t size) override;

private:
    VirtioPciDevice(std::shared_ptr<VirtioDevice> const& device, uint16_t vectors);
    Result<void> add_capabilities(uint64_t pba_offset);
    Result<uint16_t> add_virtio_capability(uint8_t type, uint8_t length, uint64_t offset,
                                           uint64_t size);

    // BAR 0 structures.
    void read_common(uint64_t offset, std::span<uint8_t> data);
    void write_common(uint64_t offset, std::span<uint8_t const> data);
    uint64_t read_queue_field(uint64_t field, uint16_t select);
    void write_queue_field(uint64_t field, uint64_t offset_in_field, size_t size, uint64_t value,
                           uint16_t select);
    void write_status(uint8_t value);
    uint8_t read_isr();
    void read_device_config(uint64_t offset, std::span<uint8_t> data);
    void write_device_config(uint64_t offset, std::span<uint8_t const> data);
    void write_notify(uint64_t offset, std::span<uint8_t const> data);
    [[nodiscard]] uint16_t checked_vector(uint16_t vector) const;

    // The VIRTIO_PCI_CAP_PCI_CFG window (virtio 1.2 4.1.4.9).
    bool pci_cfg_window(uint64_t& offset, size_t& length);
    [[nodiscard]] bool touches_pci_cfg_data(uint16_t offset, size_t size) const;

    // InterruptTarget.
    void queue_interrupt(uint16_t index) override;
    void config_interrupt() override;
    void raise_isr(uint8_t bits, uint16_t vector);
    void register_doorbells(uint64_t bar_address);
    void unregister_doorbells();

    std::string name_;
    std::shared_ptr<VirtioDevice> device_;
    std::unique_ptr<TransportState> state_;
    uint64_t bar_size_ = 0;
    uint64_t msix_table_bytes_ = 0;
    uint64_t pba_offset_ = 0;
    uint16_t pci_cfg_cap_ = 0;

    std::atomic<uint32_t> device_feature_select_{0};
    std::atomic<uint32_t> driver_feature_select_{0};
    std::atomic<uint16_t> queue_select_{0};
    std::atomic<uint16_t> config_vector_;
    std::unique_ptr<std::atomic<uint16_t>[]> queue_vectors_;
    uint16_t vector_count_;
    DoorbellRegistry* doorbells_ = nullptr;
    // Where BAR 0's doorbells are registered, and for which queues.
    uint64_t doorbell_base_ = 0;
    std::vector<uint16_t> doorbell_queues_;
    // The ISR and the INTx level change together under this lock, so a driver's read of the
    // ISR can never leave the line raised with the ISR empty.
    std::mutex isr_mutex_;
    uint8_t isr_ = 0;
};

} // namespace vireo::virtio
