// One vCPU's local APIC in xAPIC mode (Intel SDM Vol. 3A chapter 11; chapter 10 in editions
// before 2023): priorities, IRR/ISR/TMR, EOI, IPIs through the ICR, the LVT with LINT0/LINT1,
// the timer in one-shot, periodic and TSC-deadline modes.
//
// Threading: the owning vCPU thread polls has_pending() (one relaxed atomic load) between
// blocks and calls the CPU-facing methods; any thread may deliver(). State lives behind one
// mutex per APIC; a summary flag mirrors "something needs the CPU's attention". Calls out of
// the APIC (IPIs, EOI broadcasts, the 8259 INTA) are made after the mutex is released, so
// the lock order is always IOAPIC/PIC -> LocalApic. See src/irqchip/README.md.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "base/result.h"
#include "bus/bus_device.h"
#include "irqchip/apic_registers.h"
#include "irqchip/apic_timer.h"
#include "irqchip/apic_types.h"
#include "irqchip/vector_set.h"
#include "x86/registers.h"

namespace vireo::irqchip {

class ApicBus;
class Clock;

struct LocalApicConfig {
    uint64_t crystal_hz = 25'000'000; // core crystal clock (CPUID leaf 15H ECX)
    uint64_t tsc_hz = 2'000'000'000;  // guest TSC rate
    bool tsc_deadline = true;         // CPUID.01H:ECX[24] advertised
};

enum class LintPin : uint8_t { Lint0, Lint1 };

class LocalApic final : public BusDevice {
public:
    // index: position on the ApicBus and initial APIC ID; the bootstrap processor's APIC
    // has index 0, the others start in the wait-for-SIPI state (Intel SDM Vol. 3A 9.4).
    static Result<std::unique_ptr<LocalApic>>
    create(unsigned index, ApicBus& bus, Clock const& clock, LocalApicConfig const& config);

    // ---- Owning vCPU thread -----------------------------------------------------------
    // True if an interrupt may be deliverable (an IRR vector above the PPR, or an ExtINT) or
    // an INIT, SIPI or NMI waits. Timer expiry shows through next_deadline_ns() instead.
    bool has_pending() const { return attention_.load(std::memory_order_relaxed); }
    // The vector an INTA would deliver now: the PIC's (ExtINT on LINT0) or the highest IRR
    // vector whose priority class exceeds the PPR's (Intel SDM Vol. 3A 11.8.3.1).
    std::optional<uint8_t> pending_vector();
    // The INTA cycle for a vector pending_vector() returned. Returns the vector to dispatch
    // through the IDT: normally `vector`; the PIC's answer on the ExtINT path; the spurious
    // vector when the request went away in between (Intel SDM Vol. 3A 11.9).
    [[nodiscard]] uint8_t acknowledge(uint8_t vector);
    // An INIT was accepted: the APIC has reset itself and waits for a SIPI; the CPU must
    // reset too (Intel SDM Vol. 3A 9.4.4, 11.4.7.3). Check before take_sipi().
    bool take_init();
    // The start-up vector: the CPU starts in real mode at CS = vector << 8, IP = 0, that is
    // physical address vector << 12 (Intel SDM Vol. 3A 9.4.4.1).
    std::optional<uint8_t> take_sipi();
    bool take_nmi();

    // When the timer fires next (lock-free), so that a halted vCPU can sleep until then.
    std::optional<uint64_t> next_deadline_ns() const;
    // Fires the timer if due: sets its vector in the IRR unless the LVT masks it.
    void update_timers(uint64_t now_ns);

    // IA32_TSC_DEADLINE, in TSC units where TSC = now_ns * tsc_hz / 1e9 (the emulator
    // removes any TSC offset of its own before calling).
    void write_tsc_deadline(uint64_t tsc);
    uint64_t read_tsc_deadline();
    // CR8 is TPR[7:4] (Intel SDM Vol. 3A 11.8.6).
    uint8_t read_cr8();
    void write_cr8(uint8_t value);
    // IA32_APIC_BASE. write returns false when the value must raise #GP (reserved bits,
    // x2APIC enable); the emulator routes the xAPIC page to apic_base() & ~0xfff.
    uint64_t apic_base() const;
    bool write_apic_base(uint64_t value);

    // The xAPIC page, offsets from the APIC base. Not a device on the shared MMIO bus: each
    // vCPU sees its own APIC at the same address, so the emulator dispatches to it directly.
    std::string_view name() const override { return "lapic"; }
    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<uint8_t const> data) override;
    uint32_t read_register(uint32_t offset);
    void write_register(uint32_t offset, uint32_t value);

    // ---- Any thread ----------------------------------------------------------------------
    // Accepts an interrupt addressed to this APIC; returns whether it was taken.
    bool deliver(Interrupt const& interrupt);
    // The level of a local interrupt pin (LINT0: the 8259's INTR on the BSP).
    void set_lint(LintPin pin, bool level);

    // Wiring, before the vCPU runs. The wake callback runs on the delivering thread after
    // something became pending; it must not call back into irqchip.
    void set_wake_callback(std::function<void()> wake) { wake_ = std::move(wake); }
    void set_extint_controller(ExtIntController* controller) { extint_ = controller; }
    // What firmware leaves behind on a PC (virtual wire mode, MP spec 1.4 3.6.2.2): APIC
    // software-enabled, LINT0 ExtINT, LINT1 NMI. For direct kernel boot without a BIOS.
    void enable_virtual_wire();

    // ---- For the ApicBus (lock-free) --------------------------------------------------------
    unsigned index() const { return index_; }
    bool matches_physical(uint8_t destination) const;
    bool matches_logical(uint8_t destination) const;

private:
    LocalApic(unsigned index, ApicBus& bus, Clock const& clock, LocalApicConfig const& config);

    // Work a register write leaves for after the unlock.
    struct Outbox {
        std::optional<ApicMessage> ipi;
        std::optional<uint8_t> eoi_vector;
    };

    // All *_locked methods require mutex_.
    void reset_locked();
    bool accept_locked(Interrupt const& interrupt);
    bool accept_fixed_locked(uint8_t vector, TriggerMode trigger);
    void accept_init_locked();
    void record_error_locked(uint32_t error);
    void deliver_lvt_locked(apic::Lvt entry);
    void lint_edge_locked(LintPin pin);
    bool hardware_enabled_locked() const { return (apic_base_ & x86::kApicBaseEnable) != 0; }
    std::optional<uint8_t> deliverable_vector_locked() const;
    bool extint_pending_locked() const;
    uint8_t ppr_locked() const;
    uint8_t apr_locked() const;
    bool software_enabled_locked() const { return (svr_ & apic::kSvrEnable) != 0; }
    void update_summary_locked();
    bool fire_timer_locked(uint64_t now_ns);
    void publish_deadline_locked();

    uint32_t read_locked(uint32_t offset, uint64_t now_ns);
    void write_locked(uint32_t offset, uint32_t value, uint64_t now_ns, Outbox& outbox);
    void write_svr_locked(uint32_t value);
    void write_lvt_locked(apic::Lvt entry, uint32_t value, uint64_t now_ns);
    void write_icr_locked(uint32_t value, Outbox& outbox);
    void write_eoi_locked(Outbox& outbox);
    void flush(Outbox const& outbox);
    void wake() const;

    uint32_t& lvt(apic::Lvt entry) { return lvt_[static_cast<unsigned>(entry)]; }
    uint32_t lvt(apic::Lvt entry) const { return lvt_[static_cast<unsigned>(entry)]; }

    unsigned const index_;
    ApicBus& bus_;
    Clock const& clock_;
    bool const tsc_deadline_supported_;
    std::function<void()> wake_;
    ExtIntController* extint_ = nullptr;

    // Read lock-free by the ApicBus and the vCPU's fast path; written under mutex_.
    std::atomic<uint32_t> id_;
    std::atomic<uint32_t> ldr_{0};
    std::atomic<uint32_t> dfr_{apic::kDfrResetValue};
    std::atomic<bool> attention_{false};
    std::atomic<uint64_t> deadline_ns_{UINT64_MAX};

    mutable std::mutex mutex_;
    uint64_t apic_base_;
    uint32_t tpr_ = 0;
    uint32_t svr_ = apic::kSvrResetValue;
    VectorSet irr_, isr_, tmr_;
    uint32_t esr_ = 0;
    uint32_t pending_errors_ = 0; // latched into the ESR by the next ESR write
    uint32_t icr_low_ = 0;
    uint32_t icr_high_ = 0;
    std::array<uint32_t, apic::kLvtCount> lvt_{};
    uint32_t divide_config_ = 0;
    ApicTimer timer_;
    std::array<bool, 2> lint_level_{};
    bool nmi_pending_ = false;
    bool init_pending_ = false;
    bool wait_for_sipi_ = false;
    std::optional<uint8_t> sipi_vector_;
};

} // namespace vireo::irqchip
