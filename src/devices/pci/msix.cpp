#include "devices/pci/msix.h"

#include <cstring>

#include "base/trace.h"

namespace vireo::pci {

namespace {

// Dwords of a table entry (PCI Local Bus 3.0 6.8.2.6-6.8.2.9).
constexpr uint64_t kAddressLow = 0;
constexpr uint64_t kAddressHigh = 1;
constexpr uint64_t kData = 2;
constexpr uint64_t kVectorControl = 3;
// Only bit 0 of Vector Control is defined; the others are reserved (6.8.2.9).
constexpr uint32_t kVectorMasked = 1;
// The low two bits of Message Address are zero: messages are DWORD aligned (6.8.2.6).
constexpr uint32_t kAddressLowMask = ~uint32_t{3};

} // namespace

MsixTable::MsixTable(uint16_t vector_count)
    : entries_(vector_count)
    , pending_((vector_count + kMsixPbaEntryBits - 1) / kMsixPbaEntryBits) {}

void MsixTable::connect(MsiSink* sink) {
    std::lock_guard lock(mutex_);
    sink_ = sink;
}

void MsixTable::set_control(bool enabled, bool function_masked) {
    std::lock_guard lock(mutex_);
    enabled_ = enabled;
    function_masked_ = function_masked;
    deliver_unmasked_pending();
}

bool MsixTable::enabled() const {
    std::lock_guard lock(mutex_);
    return enabled_;
}

bool MsixTable::masked(uint16_t vector) const {
    return function_masked_ || (entries_[vector].control & kVectorMasked) != 0;
}

void MsixTable::deliver(uint16_t vector) {
    Entry const& entry = entries_[vector];
    uint64_t const address = (uint64_t{entry.address_high} << 32) | entry.address_low;
    VIREO_TRACE(Pci, "msi-x: vector {} -> address {:#x} data {:#x}", vector, address, entry.data);
    if (sink_ != nullptr)
        sink_->signal_msi(address, entry.data);
}

// PCI Local Bus 3.0 6.8.3.4: once neither the function nor the vector is masked, a pending
// message is sent and its pending bit cleared.
void MsixTable::deliver_unmasked_pending() {
    if (!enabled_ || function_masked_)
        return;
    for (size_t vector = 0; vector < entries_.size(); ++vector) {
        uint64_t& word = pending_[vector / kMsixPbaEntryBits];
        uint64_t const bit = uint64_t{1} << (vector % kMsixPbaEntryBits);
        if ((word & bit) != 0 && !masked(static_cast<uint16_t>(vector))) {
            word &= ~bit;
            deliver(static_cast<uint16_t>(vector));
        }
    }
}

bool MsixTable::signal(uint16_t vector) {
    std::lock_guard lock(mutex_);
    if (!enabled_)
        return false;
    if (vector >= entries_.size())
        return true; // the driver chose no valid vector: nothing to send
    if (masked(vector)) {
        pending_[vector / kMsixPbaEntryBits] |= uint64_t{1} << (vector % kMsixPbaEntryBits);
        return true;
    }
    deliver(vector);
    return true;
}

void MsixTable::read_table(uint64_t offset, std::span<uint8_t> data) {
    std::memset(data.data(), 0xff, data.size());
    std::lock_guard lock(mutex_);
    uint64_t const vector = offset / kMsixEntrySize;
    uint64_t const within = offset % kMsixEntrySize;
    if (vector >= entries_.size() || within + data.size() > kMsixEntrySize)
        return;
    Entry const& entry = entries_[vector];
    uint32_t const dwords[] = {entry.address_low, entry.address_high, entry.data, entry.control};
    std::memcpy(data.data(), reinterpret_cast<uint8_t const*>(dwords) + within, data.size());
}

// PCI Local Bus 3.0 6.8.2: software accesses the table with aligned DWORDs or QWORDs; other
// writes have undefined results, and vireo ignores them.
void MsixTable::write_table(uint64_t offset, std::span<uint8_t const> data) {
    bool const dword = data.size() == 4 && offset % 4 == 0;
    bool const qword = data.size() == 8 && offset % 8 == 0;
    if (!dword && !qword) {
        VIREO_TRACE(Pci, "msi-x: ignoring a {}-byte table write at {:#x}", data.size(), offset);
        return;
    }
    std::lock_guard lock(mutex_);
    for (size_t done = 0; done < data.size(); done += 4) {
        uint32_t value = 0;
        std::memcpy(&value, data.data() + done, sizeof(value));
        write_dword(offset + done, value);
    }
}

void MsixTable::write_dword(uint64_t offset, uint32_t value) {
    uint64_t const vector = offset / kMsixEntrySize;
    if (vector >= entries_.size())
        return;
    Entry& entry = entries_[vector];
    switch ((offset % kMsixEntrySize) / 4) {
    case kAddressLow:
        entry.address_low = value & kAddressLowMask;
        break;
    case kAddressHigh:
        entry.address_high = value;
        break;
    case kData:
        entry.data = value;
        break;
    case kVectorControl:
        entry.control = value & kVectorMasked;
        deliver_unmasked_pending();
        break;
    }
}

void MsixTable::read_pba(uint64_t offset, std::span<uint8_t> data) {
    std::memset(data.data(), 0, data.size());
    std::lock_guard lock(mutex_);
    auto const* bytes = reinterpret_cast<uint8_t const*>(pending_.data());
    uint64_t const size = pending_.size() * sizeof(uint64_t);
    for (size_t i = 0; i < data.size() && offset + i < size; ++i)
        data[i] = bytes[offset + i];
}

} // namespace vireo::pci
