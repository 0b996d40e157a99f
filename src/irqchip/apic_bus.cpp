#include "irqchip/apic_bus.h"

#include <bit>

#include "base/trace.h"
#include "irqchip/local_apic.h"

namespace vireo::irqchip {

namespace {

// MSI address (Intel SDM Vol. 3A 11.11.1, Figure 11-24): FEEH in bits 31:20, destination
// ID in 19:12, redirection hint in bit 3, destination mode in bit 2.
constexpr uint64_t kMsiAddressPrefixMask = 0xffffffff'fff00000;
constexpr uint64_t kMsiAddressPrefix = 0xfee00000;
constexpr unsigned kMsiDestinationShift = 12;
constexpr uint64_t kMsiRedirectionHint = 1U << 3;
constexpr uint64_t kMsiLogical = 1U << 2;
// MSI data (Intel SDM Vol. 3A 11.11.2, Figure 11-25): vector 7:0, delivery mode 10:8,
// level 14, trigger mode 15.
constexpr unsigned kMsiDeliveryModeShift = 8;
constexpr uint32_t kMsiAssert = 1U << 14;
constexpr uint32_t kMsiLevelTriggered = 1U << 15;

} // namespace

Result<void> ApicBus::attach(LocalApic& apic) {
    if (apics_.size() >= kMaxApics)
        return make_error("APIC bus: at most {} local APICs", kMaxApics);
    if (apic.index() != apics_.size())
        return make_error("APIC bus: local APIC {} attached in position {}", apic.index(),
                          apics_.size());
    apics_.push_back(&apic);
    return {};
}

uint64_t ApicBus::targets(ApicMessage const& message) const {
    uint64_t const all = apics_.size() == kMaxApics ? ~0ULL : (1ULL << apics_.size()) - 1;
    uint64_t const self =
        message.source && *message.source < apics_.size() ? 1ULL << *message.source : 0;
    // Shorthands bypass the destination field (Intel SDM Vol. 3A 11.6.2.3).
    switch (message.shorthand) {
    case Shorthand::Self:
        return self;
    case Shorthand::AllIncludingSelf:
        return all;
    case Shorthand::AllExcludingSelf:
        return all & ~self;
    case Shorthand::None:
        break;
    }
    uint64_t matches = 0;
    for (LocalApic const* apic : apics_) {
        bool const match = message.destination_mode == DestinationMode::Physical
                               ? apic->matches_physical(message.destination)
                               : apic->matches_logical(message.destination);
        if (match)
            matches |= 1ULL << apic->index();
    }
    return matches;
}

unsigned ApicBus::route(ApicMessage const& message) {
    uint64_t set = targets(message);
    // Lowest-priority arbitration (Intel SDM Vol. 3A 11.6.2.4) is simplified: the
    // lowest-numbered matching APIC wins. Linux 6.1 sends everything in fixed mode.
    if (message.to_one)
        set &= -set;
    unsigned accepted = 0;
    for (; set != 0; set &= set - 1) {
        auto const index = static_cast<unsigned>(std::countr_zero(set));
        if (apics_[index]->deliver(message.interrupt))
            ++accepted;
    }
    if (accepted == 0)
        VIREO_TRACE(Irq, "apic bus: nobody took vector {:#x} mode {} for destination {:#x}",
                    message.interrupt.vector, static_cast<unsigned>(message.interrupt.mode),
                    message.destination);
    return accepted;
}

std::optional<ApicMessage> ApicBus::decode_msi(uint64_t address, uint32_t data) {
    if ((address & kMsiAddressPrefixMask) != kMsiAddressPrefix)
        return std::nullopt;
    auto const mode = decode_delivery_mode(data >> kMsiDeliveryModeShift);
    if (!mode)
        return std::nullopt;
    ApicMessage message;
    message.interrupt = Interrupt{
        .mode = *mode,
        .vector = static_cast<uint8_t>(data & 0xff),
        .trigger = (data & kMsiLevelTriggered) != 0 ? TriggerMode::Level : TriggerMode::Edge,
        .assert = (data & kMsiAssert) != 0,
    };
    message.destination = static_cast<uint8_t>(address >> kMsiDestinationShift);
    // The SDM lets DM matter only with RH set; like KVM and QEMU, vireo always honours it,
    // because Linux sends logical destinations with RH clear.
    message.destination_mode =
        (address & kMsiLogical) != 0 ? DestinationMode::Logical : DestinationMode::Physical;
    message.to_one = (address & kMsiRedirectionHint) != 0 || *mode == DeliveryMode::LowestPriority;
    return message;
}

void ApicBus::signal_msi(uint64_t address, uint32_t data) {
    auto const message = decode_msi(address, data);
    if (!message) {
        VIREO_TRACE(Irq, "apic bus: ignoring MSI address {:#x} data {:#x}", address, data);
        return;
    }
    route(*message);
}

void ApicBus::broadcast_eoi(uint8_t vector) {
    if (eoi_listener_ != nullptr)
        eoi_listener_->end_of_interrupt(vector);
}

} // namespace vireo::irqchip
