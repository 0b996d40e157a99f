// What travels between local APICs, the IOAPIC and MSI sources: an interrupt and its
// addressing, in the encodings of the ICR (Intel SDM Vol. 3A 11.6.1, Figure 11-12), which the
// 82093AA redirection entries and MSI data (Intel SDM Vol. 3A 11.11.2) share.
#pragma once

#include <cstdint>
#include <optional>

namespace vireo::irqchip {

// ICR bits 10:8 (Intel SDM Vol. 3A 11.6.1). 3 is reserved.
enum class DeliveryMode : uint8_t {
    Fixed = 0,
    LowestPriority = 1,
    Smi = 2,
    Nmi = 4,
    Init = 5,
    StartUp = 6,
    ExtInt = 7,
};

// Decodes a 3-bit delivery-mode field; the reserved encoding yields nothing.
inline std::optional<DeliveryMode> decode_delivery_mode(uint32_t bits) {
    constexpr uint32_t kReservedMode = 3; // Intel SDM Vol. 3A 11.6.1, Figure 11-12
    bits &= 0x7;
    if (bits == kReservedMode)
        return std::nullopt;
    return static_cast<DeliveryMode>(bits);
}

enum class DestinationMode : uint8_t { Physical = 0, Logical = 1 }; // ICR bit 11
enum class TriggerMode : uint8_t { Edge = 0, Level = 1 };           // ICR bit 15

// ICR bits 19:18 (Intel SDM Vol. 3A 11.6.1).
enum class Shorthand : uint8_t {
    None = 0,
    Self = 1,
    AllIncludingSelf = 2,
    AllExcludingSelf = 3,
};

// What a local APIC accepts (Intel SDM Vol. 3A 11.6.3).
struct Interrupt {
    DeliveryMode mode = DeliveryMode::Fixed;
    uint8_t vector = 0;
    TriggerMode trigger = TriggerMode::Edge;
    // The ICR "level" bit: only an INIT with it clear (INIT level de-assert) means something
    // different, and xAPICs ignore that message (Intel SDM Vol. 3A 11.6.1).
    bool assert = true;
};

// An interrupt with its destination, as the ApicBus routes it.
struct ApicMessage {
    Interrupt interrupt;
    DestinationMode destination_mode = DestinationMode::Physical;
    uint8_t destination = 0; // xAPIC: 8 bits (Intel SDM Vol. 3A 11.6.2)
    Shorthand shorthand = Shorthand::None;
    // Redirection hint of an MSI, or lowest-priority mode: deliver to one of the matches.
    bool to_one = false;
    std::optional<unsigned> source; // index of the sending local APIC, for shorthands
};

// Physical destination FFH addresses every local APIC (Intel SDM Vol. 3A 11.6.2.1).
inline constexpr uint8_t kBroadcastDestination = 0xff;

// Vectors 0-15 are reserved; a local APIC reports them as illegal (Intel SDM Vol. 3A 11.5.2).
inline constexpr uint8_t kFirstLegalVector = 16;

// The 8259 side of the LINT0 ExtINT path: an ExtINT "causes the processor to respond to the
// interrupt as if the interrupt originated in an externally connected (8259A-compatible)
// interrupt controller" (Intel SDM Vol. 3A 11.5.1), so the vector comes from an INTA cycle.
class ExtIntController {
public:
    virtual ~ExtIntController() = default;
    // The vector the next INTA cycle would return, without acknowledging anything.
    virtual std::optional<uint8_t> peek_vector() = 0;
    // The INTA cycle: moves the request into service and returns its vector (the spurious
    // IRQ 7 vector when the request went away, as the 8259A does).
    virtual uint8_t acknowledge_interrupt() = 0;
};

} // namespace vireo::irqchip
