#include "irqchip/io_apic.h"

#include "base/trace.h"

namespace vireo::irqchip {

namespace {

// Memory-mapped registers (82093AA 3.1).
constexpr uint64_t kIoRegSel = 0x00;
constexpr uint64_t kIoWin = 0x10;

// Indirect registers (82093AA 3.2).
constexpr uint8_t kRegId = 0x00;
constexpr uint8_t kRegVersion = 0x01;
constexpr uint8_t kRegArbitration = 0x02;
constexpr uint8_t kRegRedirectionBase = 0x10; // two 32-bit halves per pin
constexpr uint32_t kIdMask = 0x0f000000;      // IOAPICID bits 27:24
constexpr uint32_t kVersion = 0x11;
constexpr uint32_t kMaxRedirectionShift = 16; // IOAPICVER bits 23:16: entries - 1

// Redirection entry fields (82093AA 3.2.4).
constexpr uint64_t kVectorMask = 0xff;
constexpr unsigned kDeliveryModeShift = 8;
constexpr uint64_t kLogical = 1ULL << 11;
constexpr uint64_t kRemoteIrr = 1ULL << 14;
constexpr uint64_t kLevelTriggered = 1ULL << 15;
constexpr uint64_t kMasked = 1ULL << 16;
constexpr unsigned kDestinationShift = 56;
// Vector, delivery mode, destination mode, polarity, trigger mode, mask; delivery status
// (bit 12) and remote IRR (bit 14) are read-only.
constexpr uint32_t kLowWritable = 0x0001afff;
constexpr uint32_t kHighWritable = 0xff000000;

bool is_level(uint64_t entry) {
    return (entry & kLevelTriggered) != 0;
}
bool is_masked(uint64_t entry) {
    return (entry & kMasked) != 0;
}

} // namespace

IoApic::IoApic(ApicBus& bus)
    : bus_(bus) {
    // Every pin starts masked (82093AA 3.2.4).
    entries_.fill(kMasked);
}

void IoApic::read(uint64_t offset, std::span<uint8_t> data) {
    std::lock_guard lock(mutex_);
    uint64_t value = 0;
    if (offset == kIoRegSel)
        value = select_;
    else if (offset == kIoWin)
        value = read_register_locked(select_);
    else
        value = UINT64_MAX; // nothing else is decoded
    store_le(data, value);
}

void IoApic::write(uint64_t offset, std::span<uint8_t const> data) {
    std::lock_guard lock(mutex_);
    auto const value = static_cast<uint32_t>(load_le(data));
    if (offset == kIoRegSel)
        select_ = static_cast<uint8_t>(value);
    else if (offset == kIoWin)
        write_register_locked(select_, value);
}

uint32_t IoApic::read_register_locked(uint8_t index) const {
    switch (index) {
    case kRegId:
        return id_;
    case kRegVersion:
        return ((kPins - 1) << kMaxRedirectionShift) | kVersion;
    case kRegArbitration:
        // The arbitration ID follows the ID (82093AA 3.2.3).
        return id_;
    default:
        break;
    }
    unsigned const pin = (index - kRegRedirectionBase) / 2;
    if (index < kRegRedirectionBase || pin >= kPins)
        return 0;
    uint64_t const entry = entries_[pin];
    bool const high = (index & 1) != 0;
    return static_cast<uint32_t>(high ? entry >> 32 : entry);
}

void IoApic::write_register_locked(uint8_t index, uint32_t value) {
    if (index == kRegId) {
        id_ = value & kIdMask;
        return;
    }
    unsigned const pin = (index - kRegRedirectionBase) / 2;
    // Version and arbitration are read-only; other indices decode to nothing.
    if (index < kRegRedirectionBase || pin >= kPins)
        return;
    write_entry_half_locked(pin, (index & 1) != 0, value);
}

void IoApic::write_entry_half_locked(unsigned pin, bool high, uint32_t value) {
    uint64_t& entry = entries_[pin];
    if (high) {
        entry = (entry & 0xffffffff) | (uint64_t{value & kHighWritable} << 32);
        return;
    }
    uint64_t const read_only = entry & kRemoteIrr;
    entry = (entry & ~uint64_t{0xffffffff}) | (value & kLowWritable) | read_only;
    // Remote IRR means nothing for an edge-triggered pin; clear it so that switching
    // modes cannot leave the pin stuck.
    if (!is_level(entry))
        entry &= ~kRemoteIrr;
    // Unmasking a still-asserted level pin delivers it; an edge that came while the pin was
    // masked is gone.
    if (is_level(entry))
        service_locked(pin);
}

void IoApic::set_irq(unsigned pin, bool asserted) {
    if (pin >= kPins) {
        VIREO_TRACE(Irq, "ioapic: ignoring pin {}", pin);
        return;
    }
    std::lock_guard lock(mutex_);
    uint32_t const bit = 1U << pin;
    bool const was_asserted = (asserted_ & bit) != 0;
    asserted_ = asserted ? asserted_ | bit : asserted_ & ~bit;
    uint64_t const entry = entries_[pin];
    // Edge pins fire on the rising edge only; level pins while asserted.
    if (asserted && (is_level(entry) || !was_asserted))
        service_locked(pin);
}

// Sends the pin's message if it should go now. Edge pins are called only on a rising
// edge; level pins whenever their state might allow delivery.
void IoApic::service_locked(unsigned pin) {
    uint64_t& entry = entries_[pin];
    bool const asserted = (asserted_ & (1U << pin)) != 0;
    // Masked pins drop edges and hold levels (82093AA 3.2.4, interrupt mask).
    if (!asserted || is_masked(entry))
        return;
    if (is_level(entry) && (entry & kRemoteIrr) != 0)
        return;
    auto const mode = decode_delivery_mode(static_cast<uint32_t>(entry >> kDeliveryModeShift));
    if (!mode)
        return;
    ApicMessage message;
    message.interrupt = Interrupt{
        .mode = *mode,
        .vector = static_cast<uint8_t>(entry & kVectorMask),
        .trigger = is_level(entry) ? TriggerMode::Level : TriggerMode::Edge,
        .assert = true,
    };
    message.destination_mode =
        (entry & kLogical) != 0 ? DestinationMode::Logical : DestinationMode::Physical;
    message.destination = static_cast<uint8_t>(entry >> kDestinationShift);
    message.to_one = *mode == DeliveryMode::LowestPriority;
    unsigned const accepted = bus_.route(message);
    // Remote IRR is set once a local APIC has accepted the level interrupt (82093AA 3.2.4);
    // an undelivered one stays eligible instead of blocking the pin forever.
    if (is_level(entry) && accepted > 0)
        entry |= kRemoteIrr;
}

void IoApic::end_of_interrupt(uint8_t vector) {
    std::lock_guard lock(mutex_);
    for (unsigned pin = 0; pin < kPins; ++pin) {
        uint64_t& entry = entries_[pin];
        if ((entry & kVectorMask) != vector || !is_level(entry) || (entry & kRemoteIrr) == 0)
            continue;
        entry &= ~kRemoteIrr;
        service_locked(pin);
    }
}

uint64_t IoApic::redirection_entry(unsigned pin) const {
    std::lock_guard lock(mutex_);
    return pin < kPins ? entries_[pin] : 0;
}

} // namespace vireo::irqchip
