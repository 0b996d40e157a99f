// The APIC bus: routes interrupt messages from local APICs (IPIs), the IOAPIC and MSIs to the
// local APICs they address, and carries EOI messages for level-triggered vectors back to the
// IOAPIC. Destinations are matched lock-free against each local APIC's ID and logical
// destination; delivery takes the target's lock only.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/result.h"
#include "irqchip/apic_types.h"

namespace vireo::irqchip {

class LocalApic;

// Receives the EOI broadcast a local APIC sends when it ends a level-triggered interrupt
// (Intel SDM Vol. 3A 11.8.5).
class EoiListener {
public:
    virtual ~EoiListener() = default;
    virtual void end_of_interrupt(uint8_t vector) = 0;
};

class ApicBus {
public:
    // Destinations are kept as a 64-bit set of APIC indices.
    static constexpr unsigned kMaxApics = 64;

    // Wiring happens before any vCPU runs; afterwards the set of APICs is fixed. The
    // APIC's index() must be the number of APICs attached before it.
    Result<void> attach(LocalApic& apic);
    void set_eoi_listener(EoiListener* listener) { eoi_listener_ = listener; }

    size_t size() const { return apics_.size(); }
    LocalApic& apic(unsigned index) const { return *apics_.at(index); }

    // Delivers a message to every local APIC it addresses (or to one, for lowest-priority
    // delivery and MSIs with the redirection hint). Returns how many accepted it.
    unsigned route(ApicMessage const& message);

    // Decodes and routes a message-signalled interrupt.
    void signal_msi(uint64_t address, uint32_t data);
    static std::optional<ApicMessage> decode_msi(uint64_t address, uint32_t data);

    void broadcast_eoi(uint8_t vector);

private:
    uint64_t targets(ApicMessage const& message) const;

    std::vector<LocalApic*> apics_;
    EoiListener* eoi_listener_ = nullptr;
};

} // namespace vireo::irqchip
