// The local APIC's interrupt state: acceptance, priorities and the CPU-facing INTA, INIT,
// SIPI and NMI paths. Register decoding is in local_apic_registers.cpp.
#include "irqchip/local_apic.h"

#include "base/trace.h"
#include "irqchip/apic_bus.h"
#include "irqchip/clock.h"
#include "x86/pc_layout.h"
#include "x86/registers.h"

namespace vireo::irqchip {

namespace {

// xAPIC IDs are 8 bits and FFH is the physical broadcast (Intel SDM Vol. 3A 11.6.2.1).
constexpr unsigned kMaxXApicId = 0xfe;

// IA32_APIC_BASE after reset: enabled, at the default base, BSP flag on processor 0
// (Intel SDM Vol. 3A 11.4.4).
uint64_t initial_apic_base(unsigned index) {
    uint64_t base = pc::kLocalApicAddress | x86::kApicBaseEnable;
    if (index == 0)
        base |= x86::kApicBaseBsp;
    return base;
}

} // namespace

Result<std::unique_ptr<LocalApic>>
LocalApic::create(unsigned index, ApicBus& bus, Clock const& clock, LocalApicConfig const& config) {
    if (config.crystal_hz == 0)
        return make_error("local APIC: the core crystal clock frequency must not be zero");
    if (config.tsc_hz == 0)
        return make_error("local APIC: the TSC frequency must not be zero");
    if (index > kMaxXApicId)
        return make_error("local APIC {}: xAPIC IDs end at {}", index, kMaxXApicId);
    return std::unique_ptr<LocalApic>(new LocalApic(index, bus, clock, config));
}

LocalApic::LocalApic(unsigned index, ApicBus& bus, Clock const& clock,
                     LocalApicConfig const& config)
    : index_(index)
    , bus_(bus)
    , clock_(clock)
    , tsc_deadline_supported_(config.tsc_deadline)
    , id_(index << apic::kIdShift)
    , apic_base_(initial_apic_base(index))
    , timer_(config.crystal_hz, config.tsc_hz) {
    std::lock_guard lock(mutex_);
    reset_locked();
    // Application processors wait for a SIPI from the bootstrap processor
    // (Intel SDM Vol. 3A 9.4.1).
    wait_for_sipi_ = index != 0;
}

// Power-up register state (Intel SDM Vol. 3A 11.4.7.1); the ID survives, as after INIT
// (11.4.7.3). The LINT pin levels are inputs and stay.
void LocalApic::reset_locked() {
    tpr_ = 0;
    svr_ = apic::kSvrResetValue;
    irr_.reset();
    isr_.reset();
    tmr_.reset();
    esr_ = 0;
    pending_errors_ = 0;
    icr_low_ = 0;
    icr_high_ = 0;
    lvt_.fill(apic::kLvtResetValue);
    divide_config_ = 0;
    timer_.reset();
    ldr_.store(0, std::memory_order_relaxed);
    dfr_.store(apic::kDfrResetValue, std::memory_order_relaxed);
    publish_deadline_locked();
    update_summary_locked();
}

bool LocalApic::deliver(Interrupt const& interrupt) {
    bool taken = false;
    {
        std::lock_guard lock(mutex_);
        taken = accept_locked(interrupt);
    }
    if (taken)
        wake();
    return taken;
}

bool LocalApic::accept_locked(Interrupt const& interrupt) {
    // A hardware-disabled APIC takes no messages (Intel SDM Vol. 3A 11.4.3).
    if (!hardware_enabled_locked())
        return false;
    bool taken = false;
    switch (interrupt.mode) {
    case DeliveryMode::Fixed:
    case DeliveryMode::LowestPriority:
        // A software-disabled APIC still takes INIT, NMI, SMI and SIPI, but no fixed
        // interrupts (Intel SDM Vol. 3A 11.4.7.2).
        taken =
            software_enabled_locked() && accept_fixed_locked(interrupt.vector, interrupt.trigger);
        break;
    case DeliveryMode::Nmi:
        nmi_pending_ = true;
        taken = true;
        break;
    case DeliveryMode::Init:
        // xAPICs ignore INIT level de-assert (Intel SDM Vol. 3A 11.6.1).
        if (interrupt.assert) {
            accept_init_locked();
            taken = true;
        }
        break;
    case DeliveryMode::StartUp:
        // Only a processor waiting for a SIPI takes one; later SIPIs are ignored
        // (Intel SDM Vol. 3A 9.4.4.1 sends two on purpose).
        if (wait_for_sipi_ && !sipi_vector_) {
            sipi_vector_ = interrupt.vector;
            taken = true;
        }
        break;
    case DeliveryMode::Smi:
    case DeliveryMode::ExtInt:
        VIREO_TRACE(Irq, "lapic {}: ignoring a delivery-mode {} message", index_,
                    static_cast<unsigned>(interrupt.mode));
        break;
    }
    update_summary_locked();
    return taken;
}

bool LocalApic::accept_fixed_locked(uint8_t vector, TriggerMode trigger) {
    if (vector < kFirstLegalVector) {
        record_error_locked(apic::kEsrReceiveIllegalVector);
        return false;
    }
    irr_.set(vector);
    // The TMR records the trigger mode of each accepted vector (Intel SDM Vol. 3A 11.8.4).
    if (trigger == TriggerMode::Level)
        tmr_.set(vector);
    else
        tmr_.clear(vector);
    return true;
}

void LocalApic::accept_init_locked() {
    reset_locked();
    init_pending_ = true;
    wait_for_sipi_ = true;
    sipi_vector_.reset();
    nmi_pending_ = false;
}

void LocalApic::record_error_locked(uint32_t error) {
    pending_errors_ |= error;
    deliver_lvt_locked(apic::Lvt::Error);
}

// Raises a fixed-mode LVT entry's vector (timer, error, LINT in fixed mode).
void LocalApic::deliver_lvt_locked(apic::Lvt entry) {
    uint32_t const value = lvt(entry);
    if ((value & apic::kLvtMasked) != 0)
        return;
    auto const vector = static_cast<uint8_t>(value & apic::kLvtVectorMask);
    // An illegal vector in the error entry itself would report an error forever.
    if (entry == apic::Lvt::Error && vector < kFirstLegalVector)
        return;
    bool const level = (value & apic::kLvtTriggerLevel) != 0;
    accept_fixed_locked(vector, level ? TriggerMode::Level : TriggerMode::Edge);
}

uint8_t LocalApic::ppr_locked() const {
    // Intel SDM Vol. 3A 11.8.3.1: the TPR unless the highest in-service class is higher.
    auto const tpr = static_cast<uint8_t>(tpr_);
    uint8_t const isrv = isr_.highest().value_or(0);
    if (priority_class(tpr) >= priority_class(isrv))
        return tpr;
    return isrv & 0xf0;
}

uint8_t LocalApic::apr_locked() const {
    // Intel SDM Vol. 3A 11.6.2.4: the TPR if it is at or above every pending and in-service
    // class, otherwise the highest of the three classes.
    auto const tpr = static_cast<uint8_t>(tpr_);
    uint8_t const isrv = isr_.highest().value_or(0);
    uint8_t const irrv = irr_.highest().value_or(0);
    if (priority_class(tpr) >= priority_class(irrv) && priority_class(tpr) > priority_class(isrv))
        return tpr;
    return std::max({tpr, isrv, irrv}) & 0xf0;
}

std::optional<uint8_t> LocalApic::deliverable_vector_locked() const {
    auto const vector = irr_.highest();
    // Intel SDM Vol. 3A 11.8.3.1: only a class above the PPR's interrupts the processor.
    if (!vector || priority_class(*vector) <= priority_class(ppr_locked()))
        return std::nullopt;
    return vector;
}

bool LocalApic::extint_pending_locked() const {
    if (extint_ == nullptr || !lint_level_[0])
        return false;
    // With the APIC hardware-disabled, LINT0 is the processor's INTR pin
    // (Intel SDM Vol. 3A 11.4.3).
    if (!hardware_enabled_locked())
        return true;
    uint32_t const entry = lvt(apic::Lvt::Lint0);
    return (entry & apic::kLvtMasked) == 0 &&
           decode_delivery_mode(entry >> apic::kLvtDeliveryModeShift) == DeliveryMode::ExtInt;
}

void LocalApic::update_summary_locked() {
    bool const attention = nmi_pending_ || init_pending_ || sipi_vector_.has_value() ||
                           extint_pending_locked() || deliverable_vector_locked().has_value();
    attention_.store(attention, std::memory_order_release);
}

std::optional<uint8_t> LocalApic::pending_vector() {
    bool extint = false;
    std::optional<uint8_t> fixed;
    {
        std::lock_guard lock(mutex_);
        extint = extint_pending_locked();
        fixed = deliverable_vector_locked();
    }
    // The 8259 is asked outside the lock: it calls set_lint() with its own lock held.
    if (extint) {
        if (auto const vector = extint_->peek_vector())
            return vector;
    }
    return fixed;
}

uint8_t LocalApic::acknowledge(uint8_t vector) {
    std::unique_lock lock(mutex_);
    if (extint_pending_locked()) {
        lock.unlock();
        return extint_->acknowledge_interrupt();
    }
    if (!irr_.test(vector) || priority_class(vector) <= priority_class(ppr_locked())) {
        // The request was withdrawn or masked since it was seen: the processor takes the
        // spurious vector, which needs no EOI (Intel SDM Vol. 3A 11.9).
        VIREO_TRACE(Irq, "lapic {}: vector {:#x} no longer deliverable, spurious", index_, vector);
        return static_cast<uint8_t>(svr_ & 0xff);
    }
    irr_.clear(vector);
    isr_.set(vector);
    update_summary_locked();
    return vector;
}

bool LocalApic::take_init() {
    std::lock_guard lock(mutex_);
    bool const taken = init_pending_;
    init_pending_ = false;
    update_summary_locked();
    return taken;
}

std::optional<uint8_t> LocalApic::take_sipi() {
    std::lock_guard lock(mutex_);
    auto const vector = sipi_vector_;
    if (vector)
        wait_for_sipi_ = false;
    sipi_vector_.reset();
    update_summary_locked();
    return vector;
}

bool LocalApic::take_nmi() {
    std::lock_guard lock(mutex_);
    bool const taken = nmi_pending_;
    nmi_pending_ = false;
    update_summary_locked();
    return taken;
}

void LocalApic::set_lint(LintPin pin, bool level) {
    bool wake_needed = false;
    {
        std::lock_guard lock(mutex_);
        auto const index = static_cast<unsigned>(pin);
        bool const rising = level && !lint_level_[index];
        lint_level_[index] = level;
        if (rising)
            lint_edge_locked(pin);
        update_summary_locked();
        wake_needed = level && attention_.load(std::memory_order_relaxed);
    }
    if (wake_needed)
        wake();
}

// A rising edge on a LINT pin, for the edge-sensitive delivery modes. ExtINT is level-
// sensitive and is read from the pin level instead. Fixed mode delivers on the edge even
// when the entry says level-triggered: vireo does not model the LVT remote IRR.
void LocalApic::lint_edge_locked(LintPin pin) {
    if (!hardware_enabled_locked()) {
        // LINT1 is the processor's NMI pin then (Intel SDM Vol. 3A 11.4.3).
        if (pin == LintPin::Lint1)
            nmi_pending_ = true;
        return;
    }
    auto const entry = pin == LintPin::Lint0 ? apic::Lvt::Lint0 : apic::Lvt::Lint1;
    uint32_t const value = lvt(entry);
    if ((value & apic::kLvtMasked) != 0)
        return;
    switch (
        decode_delivery_mode(value >> apic::kLvtDeliveryModeShift).value_or(DeliveryMode::Smi)) {
    case DeliveryMode::Fixed:
        deliver_lvt_locked(entry);
        break;
    case DeliveryMode::Nmi:
        nmi_pending_ = true;
        break;
    case DeliveryMode::Init:
        accept_init_locked();
        break;
    default:
        break;
    }
}

void LocalApic::enable_virtual_wire() {
    std::lock_guard lock(mutex_);
    svr_ |= apic::kSvrEnable;
    lvt(apic::Lvt::Lint0) = static_cast<uint32_t>(DeliveryMode::ExtInt)
                            << apic::kLvtDeliveryModeShift;
    lvt(apic::Lvt::Lint1) = static_cast<uint32_t>(DeliveryMode::Nmi) << apic::kLvtDeliveryModeShift;
    update_summary_locked();
}

bool LocalApic::matches_physical(uint8_t destination) const {
    auto const id = static_cast<uint8_t>(id_.load(std::memory_order_relaxed) >> apic::kIdShift);
    return destination == kBroadcastDestination || destination == id;
}

bool LocalApic::matches_logical(uint8_t destination) const {
    // Intel SDM Vol. 3A 11.6.2.2: flat model, a bit mask against LDR[31:24]; cluster model,
    // cluster in the high nibble (FH: all clusters) and a member mask in the low nibble.
    auto const ldr = static_cast<uint8_t>(ldr_.load(std::memory_order_relaxed) >> 24);
    if ((dfr_.load(std::memory_order_relaxed) & apic::kDfrModelMask) == apic::kDfrFlat)
        return (ldr & destination) != 0;
    constexpr uint8_t kAllClusters = 0xf;
    uint8_t const cluster = destination >> 4;
    bool const cluster_match = cluster == kAllClusters || cluster == (ldr >> 4);
    return cluster_match && (destination & ldr & 0xf) != 0;
}

void LocalApic::wake() const {
    if (wake_)
        wake_();
}

} // namespace vireo::irqchip
