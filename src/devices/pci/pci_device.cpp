#include "devices/pci/pci_device.h"

#include <bit>
#include <cassert>
#include <cstring>

#include "base/trace.h"

namespace vireo::pci {

namespace {

// MSI-X capability layout (PCI Local Bus 3.0 6.8.2.1-6.8.2.5).
constexpr uint8_t kMsixCapabilityLength = 12;
constexpr uint16_t kMsixMessageControl = 2;
constexpr uint16_t kMsixTableOffset = 4;
constexpr uint16_t kMsixPbaOffset = 8;
constexpr uint16_t kMsixEnable = 1U << 15;
constexpr uint16_t kMsixFunctionMask = 1U << 14;
constexpr unsigned kMsixBirBits = 3; // BAR indicator in the low bits of the offset registers
// Capability header: ID, then the offset of the next capability (PCI Local Bus 3.0 6.7).
constexpr uint16_t kCapabilityNext = 1;

bool overlaps(uint16_t offset, size_t size, uint16_t start, uint16_t length) {
    return offset < start + length && start < offset + size;
}

} // namespace

PciDevice::PciDevice(PciIdentity const& identity) {
    config_.set16(kVendorId, identity.vendor_id);
    config_.set16(kDeviceId, identity.device_id);
    config_.set8(kRevisionId, identity.revision);
    config_.set8(kClassCode, static_cast<uint8_t>(identity.class_code));
    config_.set16(kClassCode + 1, static_cast<uint16_t>(identity.class_code >> 8));
    config_.set8(kHeaderType, kHeaderTypeNormal);
    config_.set16(kSubsystemVendorId, identity.subsystem_vendor_id);
    config_.set16(kSubsystemId, identity.subsystem_id);
    config_.set_writable(kCommand, 2, kCommandWritable);
    config_.set_write_clear(kStatus, 2, kStatusErrorBits);
    // Cache Line Size and Interrupt Line are plain read/write registers that only software
    // interprets (PCI Local Bus 3.0 6.2.4).
    config_.set_writable(kCacheLineSize, 1, 0xff);
    config_.set_writable(kInterruptLine, 1, 0xff);
}

void PciDevice::config_read(uint16_t offset, std::span<uint8_t> data) {
    before_config_read(offset, data.size());
    config_.read(offset, data);
    // Status.InterruptStatus follows the function's INTx request (PCI Local Bus 3.0 6.2.3),
    // which device threads change outside the bus lock.
    if (overlaps(offset, data.size(), kStatus, 1)) {
        std::lock_guard lock(intx_mutex_);
        if (intx_requested_)
            data[kStatus - offset] |= kStatusInterrupt;
    }
}

void PciDevice::config_write(uint16_t offset, std::span<uint8_t const> data) {
    if (offset >= kConfigSpaceSize)
        return;
    config_.write(offset, data);
    if (overlaps(offset, data.size(), kCommand, 2)) {
        command_.store(config_.get16(kCommand), std::memory_order_relaxed);
        update_intx();
    }
    if (msix_ && overlaps(offset, data.size(), msix_offset_ + kMsixMessageControl, 2))
        update_msix_control();
    after_config_write(offset, data.size());
}

void PciDevice::bar_read(unsigned index, uint64_t offset, std::span<uint8_t> data) {
    (void)index;
    (void)offset;
    std::memset(data.data(), 0xff, data.size());
}

void PciDevice::bar_write(unsigned index, uint64_t offset, std::span<uint8_t const> data) {
    (void)index;
    (void)offset;
    (void)data;
}

void PciDevice::add_bar(unsigned index, BarKind kind, uint64_t size) {
    bool const wide = kind == BarKind::Memory64;
    assert(index + (wide ? 1 : 0) < kBarCount && !bars_[index] && "BAR slot taken");
    assert(std::has_single_bit(size) && size >= kMinMemoryBarSize && "BAR size");
    assert((wide || size <= (uint64_t{1} << 31)) && "32-bit BAR larger than 2 GiB");
    bars_[index] = Bar{kind, size};
    uint16_t const reg = kBar0 + index * kBarSize;
    uint64_t const address_mask = ~(size - 1);
    config_.set32(reg, wide ? kBarMemoryType64 : 0);
    config_.set_writable(reg, 4, static_cast<uint32_t>(address_mask) & ~kBarMemoryFlagsMask);
    if (wide)
        config_.set_writable(reg + kBarSize, 4, static_cast<uint32_t>(address_mask >> 32));
}

std::vector<BarState> PciDevice::bars() const {
    std::vector<BarState> states;
    bool const decoding = (config_.get16(kCommand) & kCommandMemory) != 0;
    for (unsigned index = 0; index < kBarCount; ++index) {
        if (!bars_[index])
            continue;
        uint16_t const reg = kBar0 + index * kBarSize;
        uint64_t address = config_.get32(reg) & ~kBarMemoryFlagsMask;
        if (bars_[index]->kind == BarKind::Memory64)
            address |= uint64_t{config_.get32(reg + kBarSize)} << 32;
        states.push_back({index, bars_[index]->size, address, decoding});
    }
    return states;
}

void PciDevice::place_bar(unsigned index, uint64_t address) {
    assert(index < kBarCount && bars_[index] && "placing a BAR the device lacks");
    uint16_t const reg = kBar0 + index * kBarSize;
    uint32_t const flags = config_.get32(reg) & kBarMemoryFlagsMask;
    config_.set32(reg, static_cast<uint32_t>(address) | flags);
    if (bars_[index]->kind == BarKind::Memory64)
        config_.set32(reg + kBarSize, static_cast<uint32_t>(address >> 32));
}

void PciDevice::enable_memory_decoding() {
    config_.set16(kCommand, config_.get16(kCommand) | kCommandMemory);
    command_.store(config_.get16(kCommand), std::memory_order_relaxed);
}

std::optional<uint16_t> PciDevice::add_capability(uint8_t id, uint8_t length) {
    uint16_t const offset = next_capability_;
    if (length < 2 || offset + length > kConfigSpaceSize)
        return std::nullopt;
    config_.set8(offset, id);
    config_.set8(offset + kCapabilityNext, 0);
    if (last_capability_ == 0)
        config_.set8(kCapabilitiesPointer, static_cast<uint8_t>(offset));
    else
        config_.set8(last_capability_ + kCapabilityNext, static_cast<uint8_t>(offset));
    config_.set16(kStatus, config_.get16(kStatus) | kStatusCapabilities);
    last_capability_ = offset;
    // Capabilities are DWORD aligned (PCI Local Bus 3.0 6.7: the bottom two bits of each
    // pointer are reserved).
    next_capability_ = static_cast<uint16_t>((offset + length + 3) & ~3U);
    return offset;
}

std::optional<uint16_t> PciDevice::add_msix(uint16_t vectors, unsigned bar, uint32_t table_offset,
                                            uint32_t pba_offset) {
    assert(vectors >= 1 && vectors <= kMsixMaxVectors && !msix_ && "MSI-X vector count");
    assert(bar < kBarCount && table_offset % 8 == 0 && pba_offset % 8 == 0 && "MSI-X layout");
    auto const offset = add_capability(kCapabilityMsix, kMsixCapabilityLength);
    if (!offset)
        return std::nullopt;
    // Table Size is encoded as N - 1 (6.8.2.3); only Enable and Function Mask are writable.
    config_.set16(*offset + kMsixMessageControl, static_cast<uint16_t>(vectors - 1));
    config_.set_writable(*offset + kMsixMessageControl, 2, kMsixEnable | kMsixFunctionMask);
    static_assert(kBarCount <= (1U << kMsixBirBits));
    config_.set32(*offset + kMsixTableOffset, table_offset | bar);
    config_.set32(*offset + kMsixPbaOffset, pba_offset | bar);
    msix_ = std::make_unique<MsixTable>(vectors);
    msix_offset_ = *offset;
    return offset;
}

void PciDevice::connect(IrqLine* intx, MsiSink* msi, uint8_t interrupt_line) {
    {
        std::lock_guard lock(intx_mutex_);
        intx_ = intx;
    }
    config_.set8(kInterruptPin, intx != nullptr ? kInterruptPinIntA : 0);
    config_.set8(kInterruptLine, interrupt_line);
    if (msix_)
        msix_->connect(msi);
}

void PciDevice::set_intx(bool level) {
    {
        std::lock_guard lock(intx_mutex_);
        intx_requested_ = level;
    }
    update_intx();
}

// The line's level is recomputed and applied under one mutex, so concurrent updates from a
// device thread and a configuration write always leave it at the latest state. The interrupt
// controllers never call back into PCI devices, so holding it across set_level is safe.
void PciDevice::update_intx() {
    std::lock_guard lock(intx_mutex_);
    bool const disabled = (command_.load(std::memory_order_relaxed) & kCommandIntxDisable) != 0;
    bool const msix_on = msix_ && msix_->enabled();
    bool const level = intx_requested_ && !disabled && !msix_on;
    if (intx_ == nullptr || level == intx_asserted_)
        return;
    intx_asserted_ = level;
    intx_->set_level(level);
}

void PciDevice::update_msix_control() {
    uint16_t const control = config_.get16(msix_offset_ + kMsixMessageControl);
    bool const enabled = (control & kMsixEnable) != 0;
    bool const masked = (control & kMsixFunctionMask) != 0;
    VIREO_TRACE(Pci, "{}: MSI-X {}{}", name(), enabled ? "enabled" : "disabled",
                masked ? ", function masked" : "");
    msix_->set_control(enabled, masked);
    update_intx();
}

} // namespace vireo::pci
