#include "devices/virtio/virtio_pci.h"

#include <bit>
#include <cstring>

#include "base/trace.h"
#include "devices/virtio/pci_layout.h"

namespace vireo::virtio {

namespace layout = pci_layout;

namespace {

// Class codes by device type (PCI Code and ID Assignment Specification 1.11): network
// controller, other mass storage, other communication device; the rest are "unassigned".
uint32_t class_code(DeviceType type) {
    switch (type) {
    case DeviceType::Net:
        return 0x020000;
    case DeviceType::Block:
        return 0x018000;
    case DeviceType::Console:
        return 0x078000;
    default:
        return pci::kClassOther;
    }
}

uint64_t round_up(uint64_t value, uint64_t alignment) {
    return (value + alignment - 1) / alignment * alignment;
}

bool contains(uint64_t start, uint64_t length, uint64_t offset, size_t size) {
    return offset >= start && offset - start <= length && size <= length - (offset - start);
}

} // namespace

Result<std::shared_ptr<VirtioPciDevice>>
VirtioPciDevice::create(std::shared_ptr<VirtioDevice> const& device, GuestMemory& memory,
                        DoorbellRegistry* doorbells) {
    size_t const queues = device->queue_sizes().size();
    if (queues == 0 || queues > layout::kMaxQueues)
        return make_error("{}: virtio-pci serves 1 to {} queues, not {}", device->name(),
                          layout::kMaxQueues, queues);
    if (device->config_size() > layout::kMaxDeviceConfigSize)
        return make_error("{}: {} bytes of device configuration is too much", device->name(),
                          device->config_size());
    // One vector per queue and one for configuration changes, as Linux's virtio_pci asks for
    // first (virtio 1.2 4.1.5.1.2 allows up to 0x800).
    auto const vectors = static_cast<uint16_t>(std::min<size_t>(queues + 1, pci::kMsixMaxVectors));
    std::shared_ptr<VirtioPciDevice> pci(new VirtioPciDevice(device, vectors));
    pci->state_ = TRY(TransportState::create(*device, memory, *pci));
    pci->doorbells_ = doorbells;
    pci->msix_table_bytes_ = pci::MsixTable::table_bytes(vectors);
    pci->pba_offset_ = round_up(layout::kMsixTableOffset + pci->msix_table_bytes_, layout::kPage);
    uint64_t const end = pci->pba_offset_ + pci::MsixTable::pba_bytes(vectors);
    pci->bar_size_ = std::bit_ceil(round_up(end, layout::kPage));
    pci->add_bar(layout::kBar, pci::BarKind::Memory64, pci->bar_size_);
    TRY(pci->add_capabilities(pci->pba_offset_));
    return pci;
}

VirtioPciDevice::VirtioPciDevice(std::shared_ptr<VirtioDevice> const& device, uint16_t vectors)
    : PciDevice(pci::PciIdentity{.vendor_id = layout::kVendorId,
                                 .device_id =
                                     static_cast<uint16_t>(layout::kModernDeviceIdBase +
                                                           static_cast<uint16_t>(device->type())),
                                 .revision = layout::kRevision,
                                 .class_code = class_code(device->type()),
                                 .subsystem_vendor_id = layout::kSubsystemVendorId,
                                 .subsystem_id = layout::kSubsystemId})
    , name_(fmt::format("virtio-{}", device->name()))
    , device_(device)
    , config_vector_(kNoVector)
    , queue_vectors_(new std::atomic<uint16_t>[device_->queue_sizes().size()])
    , vector_count_(vectors) {
    for (size_t i = 0; i < device_->queue_sizes().size(); ++i)
        queue_vectors_[i].store(kNoVector);
}

// The transport resets the device first; the device must go before the transport's queues.
// The doorbells go first, while their eventfds are open; then the transport resets the
// device, which must stop before the transport's queues go.
VirtioPciDevice::~VirtioPciDevice() {
    unregister_doorbells();
    state_.reset();
}

void VirtioPciDevice::bar_moved(unsigned index, std::optional<uint64_t> address) {
    if (index != layout::kBar || doorbells_ == nullptr)
        return;
    unregister_doorbells();
    if (address)
        register_doorbells(*address);
}

// virtio 1.2 4.1.5.2: without VIRTIO_F_NOTIFICATION_DATA the driver writes the queue index,
// 16 bits wide, at the queue's notification address; that exact write is the doorbell.
void VirtioPciDevice::register_doorbells(uint64_t bar_address) {
    doorbell_base_ = bar_address;
    for (uint16_t index = 0; index < state_->queue_count(); ++index) {
        if (doorbells_->add(bar_address + notify_offset(index), sizeof(uint16_t), index,
                            state_->kick_fd(index)))
            doorbell_queues_.push_back(index);
        else
            VIREO_TRACE(Virtio, "{}: queue {} notifications stay MMIO", name_, index);
    }
}

void VirtioPciDevice::unregister_doorbells() {
    for (uint16_t index : doorbell_queues_)
        doorbells_->remove(doorbell_base_ + notify_offset(index), sizeof(uint16_t), index,
                           state_->kick_fd(index));
    doorbell_queues_.clear();
}

Result<uint16_t> VirtioPciDevice::add_virtio_capability(uint8_t type, uint8_t length,
                                                        uint64_t offset, uint64_t size) {
    auto const cap = add_capability(pci::kCapabilityVendor, length);
    if (!cap)
        return make_error("{}: no room for virtio capability {}", name_, type);
    config().set8(*cap + 2, length); // cap_len
    config().set8(*cap + layout::kCapCfgType, type);
    config().set8(*cap + layout::kCapBar, layout::kBar);
    config().set32(*cap + layout::kCapOffset, static_cast<uint32_t>(offset));
    config().set32(*cap + layout::kCapStructLength, static_cast<uint32_t>(size));
    return *cap;
}

Result<void> VirtioPciDevice::add_capabilities(uint64_t pba_offset) {
    TRY(add_virtio_capability(layout::kCapCommon, layout::kCapLength, layout::kCommonOffset,
                              layout::common::kSize));
    uint16_t const notify = TRY(
        add_virtio_capability(layout::kCapNotify, layout::kNotifyCapLength, layout::kNotifyOffset,
                              uint64_t{layout::kNotifyMultiplier} * state_->queue_count()));
    config().set32(notify + layout::kCapExtra, layout::kNotifyMultiplier);
    TRY(add_virtio_capability(layout::kCapIsr, layout::kCapLength, layout::kIsrOffset, 1));
    // virtio 1.2 4.1.4.6: only a device with configuration fields presents this structure.
    if (device_->config_size() != 0)
        TRY(add_virtio_capability(layout::kCapDevice, layout::kCapLength,
                                  layout::kDeviceConfigOffset, device_->config_size()));
    // virtio 1.2 4.1.4.9: the window's bar, length, offset and data are the driver's.
    pci_cfg_cap_ = TRY(add_virtio_capability(layout::kCapPciCfg, layout::kPciCfgCapLength, 0, 0));
    config().set_writable(pci_cfg_cap_ + layout::kCapBar, 1, 0xff);
    config().set_writable(pci_cfg_cap_ + layout::kCapOffset, 4, 0xffffffff);
    config().set_writable(pci_cfg_cap_ + layout::kCapStructLength, 4, 0xffffffff);
    config().set_writable(pci_cfg_cap_ + layout::kCapExtra, 4, 0xffffffff);
    if (!add_msix(vector_count_, layout::kBar, layout::kMsixTableOffset,
                  static_cast<uint32_t>(pba_offset)))
        return make_error("{}: no room for the MSI-X capability", name_);
    return {};
}

uint64_t VirtioPciDevice::notify_offset(uint16_t index) {
    return layout::kNotifyOffset + uint64_t{index} * layout::kNotifyMultiplier;
}

void VirtioPciDevice::bar_read(unsigned index, uint64_t offset, std::span<uint8_t> data) {
    std::memset(data.data(), 0, data.size());
    if (index != layout::kBar)
        return;
    if (contains(layout::kCommonOffset, layout::common::kSize, offset, data.size()))
        read_common(offset - layout::kCommonOffset, data);
    else if (offset == layout::kIsrOffset)
        data[0] = read_isr();
    else if (contains(layout::kDeviceConfigOffset, device_->config_size(), offset, data.size()))
        read_device_config(offset - layout::kDeviceConfigOffset, data);
    else if (contains(layout::kMsixTableOffset, msix_table_bytes_, offset, data.size()))
        msix()->read_table(offset - layout::kMsixTableOffset, data);
    else if (offset >= pba_offset_)
        msix()->read_pba(offset - pba_offset_, data);
}

void VirtioPciDevice::bar_write(unsigned index, uint64_t offset, std::span<uint8_t const> data) {
    if (index != layout::kBar)
        return;
    if (contains(layout::kCommonOffset, layout::common::kSize, offset, data.size()))
        write_common(offset - layout::kCommonOffset, data);
    else if (contains(layout::kDeviceConfigOffset, device_->config_size(), offset, data.size()))
        write_device_config(offset - layout::kDeviceConfigOffset, data);
    else if (contains(layout::kNotifyOffset, layout::kPage, offset, data.size()))
        write_notify(offset - layout::kNotifyOffset, data);
    else if (contains(layout::kMsixTableOffset, msix_table_bytes_, offset, data.size()))
        msix()->write_table(offset - layout::kMsixTableOffset, data);
    else
        VIREO_TRACE(Virtio, "{}: ignoring a write at BAR offset {:#x}", name_, offset);
}

// The VIRTIO_PCI_CAP_PCI_CFG window: cap.bar, cap.offset and cap.length as the driver last
// wrote them. virtio 1.2 4.1.4.9.2: the access is 1, 2 or 4 bytes, aligned, inside BAR 0.
bool VirtioPciDevice::pci_cfg_window(uint64_t& offset, size_t& length) {
    uint8_t const bar = config().get8(pci_cfg_cap_ + layout::kCapBar);
    offset = config().get32(pci_cfg_cap_ + layout::kCapOffset);
    length = config().get32(pci_cfg_cap_ + layout::kCapStructLength);
    bool const size_ok = length == 1 || length == 2 || length == 4;
    return bar == layout::kBar && size_ok && offset % length == 0 && offset + length <= bar_size_;
}

bool VirtioPciDevice::touches_pci_cfg_data(uint16_t offset, size_t size) const {
    uint16_t const data = pci_cfg_cap_ + layout::kCapExtra;
    return offset < data + 4 && data < offset + size;
}

// virtio 1.2 4.1.4.9.1: a read of pci_cfg_data reads the BAR through the window first.
void VirtioPciDevice::before_config_read(uint16_t offset, size_t size) {
    uint64_t window = 0;
    size_t length = 0;
    if (!touches_pci_cfg_data(offset, size) || !pci_cfg_window(window, length))
        return;
    uint8_t bytes[4] = {};
    bar_read(layout::kBar, window, std::span(bytes, length));
    for (size_t i = 0; i < length; ++i)
        config().set8(static_cast<uint16_t>(pci_cfg_cap_ + layout::kCapExtra + i), bytes[i]);
}

// ...and a write of it writes the BAR.
void VirtioPciDevice::after_config_write(uint16_t offset, size_t size) {
    uint64_t window = 0;
    size_t length = 0;
    if (!touches_pci_cfg_data(offset, size) || !pci_cfg_window(window, length))
        return;
    uint8_t bytes[4] = {};
    for (size_t i = 0; i < length; ++i)
        bytes[i] = config().get8(static_cast<uint16_t>(pci_cfg_cap_ + layout::kCapExtra + i));
    bar_write(layout::kBar, window, std::span(bytes, length));
}

void VirtioPciDevice::read_device_config(uint64_t offset, std::span<uint8_t> data) {
    state_->read_device_config(static_cast<uint32_t>(offset), data);
}

void VirtioPciDevice::write_device_config(uint64_t offset, std::span<uint8_t const> data) {
    state_->write_device_config(static_cast<uint32_t>(offset), data);
}

// virtio 1.2 4.1.5.2: without VIRTIO_F_NOTIFICATION_DATA the driver writes the 16-bit queue
// index; the address already names the queue, and vireo trusts the address.
void VirtioPciDevice::write_notify(uint64_t offset, std::span<uint8_t const> data) {
    if (offset % layout::kNotifyMultiplier != 0 || data.size() < 2)
        return;
    auto const index = static_cast<uint16_t>(offset / layout::kNotifyMultiplier);
    state_->notify(index);
}

} // namespace vireo::virtio
