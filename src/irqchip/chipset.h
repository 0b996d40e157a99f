// The emulator's interrupt controllers and timers, built and wired as on a PC: one local
// APIC per vCPU on an ApicBus, the IOAPIC, the cascaded 8259s (INTR to the BSP's LINT0) and
// the 8254 (channel 0 to ISA IRQ 0). It is the emulator's InterruptController: devices raise
// GSIs here and PCI devices signal MSIs here.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "accel/accel.h"
#include "base/result.h"
#include "devices/machine.h"
#include "irqchip/apic_bus.h"
#include "irqchip/io_apic.h"
#include "irqchip/local_apic.h"
#include "irqchip/pic8259_pair.h"
#include "irqchip/pit8254.h"

namespace vireo::irqchip {

class Clock;

struct ChipsetConfig {
    unsigned vcpu_count = 1;
    LocalApicConfig apic;
};

class Chipset final : public InterruptController {
public:
    static constexpr unsigned kIsaIrqs = 16;

    // The clock must outlive the chipset, and the chipset must outlive every bus holding
    // its platform_devices().
    static Result<std::unique_ptr<Chipset>> create(ChipsetConfig const& config, Clock const& clock);
    ~Chipset() override;
    Chipset(Chipset const&) = delete;
    Chipset& operator=(Chipset const&) = delete;

    // GSIs 0-15 are ISA IRQs, wired to both the PIC and the IOAPIC (ISA IRQ 0 on pin 2);
    // 16-23 reach the IOAPIC only. Any thread.
    void set_irq(uint32_t gsi, bool level) override;
    void signal_msi(uint64_t address, uint32_t data) override;

    unsigned vcpu_count() const { return static_cast<unsigned>(lapics_.size()); }
    LocalApic& local_apic(unsigned index) const { return *lapics_.at(index); }
    ApicBus& apic_bus() { return bus_; }
    IoApic& ioapic() const { return *ioapic_; }
    Pic8259Pair& pic() const { return *pic_; }
    Pit8254& pit() const { return *pit_; }

    // The timers shared by all vCPUs (the PIT); each LocalApic has its own.
    std::optional<uint64_t> next_deadline_ns() const { return pit_->next_deadline_ns(); }
    void update_timers(uint64_t now_ns) { pit_->update_timers(now_ns); }

    // The PIC, ELCR, PIT, port 61h and IOAPIC ranges for the VMM's buses. The local APICs
    // are not among them: each vCPU reaches its own at the APIC base.
    std::vector<PlatformDevice> platform_devices() const;

    // Where an ISA IRQ lands on the IOAPIC. vireo's MADT carries the PC's one interrupt
    // source override, ISA IRQ 0 -> GSI 2 (ACPI 6.5 5.2.12.5); the rest are identity.
    static unsigned isa_irq_to_ioapic_pin(unsigned irq);

private:
    class IsaLine;
    explicit Chipset(Clock const& clock);
    Result<void> build(ChipsetConfig const& config);

    Clock const& clock_;
    ApicBus bus_;
    std::vector<std::unique_ptr<LocalApic>> lapics_;
    std::shared_ptr<IoApic> ioapic_;
    std::shared_ptr<Pic8259Pair> pic_;
    std::unique_ptr<IrqLine> pit_irq_;
    std::shared_ptr<Pit8254> pit_;
};

} // namespace vireo::irqchip
