// The local APIC's register page, timer and MSR-level interfaces (Intel SDM Vol. 3A 11.4.1,
// Table 11-1).
#include <array>

#include "base/trace.h"
#include "irqchip/apic_bus.h"
#include "irqchip/clock.h"
#include "irqchip/local_apic.h"
#include "x86/registers.h"

namespace vireo::irqchip {

namespace {

// Which bank of eight vector registers (ISR, TMR, IRR) an offset falls in, if any.
std::optional<unsigned> vector_bank_index(uint32_t offset, uint32_t base) {
    uint32_t const end = base + VectorSet::kWords * apic::kRegisterStride;
    if (offset < base || offset >= end)
        return std::nullopt;
    return (offset - base) / apic::kRegisterStride;
}

std::optional<apic::Lvt> lvt_entry(uint32_t offset) {
    if (offset < apic::kLvtTimer || offset > apic::kLvtError)
        return std::nullopt;
    return static_cast<apic::Lvt>((offset - apic::kLvtTimer) / apic::kRegisterStride);
}

bool is_read_only(uint32_t offset) {
    switch (offset) {
    case apic::kVersion:
    case apic::kApr:
    case apic::kPpr:
    case apic::kRrd:
    case apic::kTimerCurrentCount:
        return true;
    default:
        return vector_bank_index(offset, apic::kIsrBase) ||
               vector_bank_index(offset, apic::kTmrBase) ||
               vector_bank_index(offset, apic::kIrrBase);
    }
}

TimerMode timer_mode_of(uint32_t lvt_value) {
    // The reserved mode 11b behaves as one-shot.
    switch ((lvt_value >> apic::kLvtTimerModeShift) & 0x3) {
    case 1:
        return TimerMode::Periodic;
    case 2:
        return TimerMode::TscDeadline;
    default:
        return TimerMode::OneShot;
    }
}

} // namespace

void LocalApic::read(uint64_t offset, std::span<uint8_t> data) {
    uint64_t const byte = offset % apic::kRegisterStride;
    uint64_t value = 0;
    // Registers are 32 bits at 16-byte boundaries; the rest of each slot reads as zero.
    if (offset < apic::kPageSize && byte < apic::kRegisterBytes)
        value = read_register(static_cast<uint32_t>(offset - byte)) >> (8 * byte);
    store_le(data, value);
}

void LocalApic::write(uint64_t offset, std::span<uint8_t const> data) {
    // Software must write registers with aligned 32-bit stores (Intel SDM Vol. 3A 11.4.1);
    // anything else is dropped.
    if (offset >= apic::kPageSize || offset % apic::kRegisterStride != 0 ||
        data.size() != apic::kRegisterBytes) {
        VIREO_TRACE(Irq, "lapic {}: ignoring a {}-byte write at {:#x}", index_, data.size(),
                    offset);
        return;
    }
    write_register(static_cast<uint32_t>(offset), static_cast<uint32_t>(load_le(data)));
}

uint32_t LocalApic::read_register(uint32_t offset) {
    uint64_t const now = clock_.now_ns();
    std::lock_guard lock(mutex_);
    return read_locked(offset, now);
}

void LocalApic::write_register(uint32_t offset, uint32_t value) {
    uint64_t const now = clock_.now_ns();
    Outbox outbox;
    {
        std::lock_guard lock(mutex_);
        write_locked(offset, value, now, outbox);
        update_summary_locked();
    }
    flush(outbox);
}

uint32_t LocalApic::read_locked(uint32_t offset, uint64_t now_ns) {
    switch (offset) {
    case apic::kId:
        return id_.load(std::memory_order_relaxed);
    case apic::kVersion:
        return apic::kVersionValue;
    case apic::kTpr:
        return tpr_;
    case apic::kApr:
        return apr_locked();
    case apic::kPpr:
        return ppr_locked();
    case apic::kEoi: // write-only
    case apic::kRrd: // remote read is not an xAPIC feature
        return 0;
    case apic::kLdr:
        return ldr_.load(std::memory_order_relaxed);
    case apic::kDfr:
        return dfr_.load(std::memory_order_relaxed);
    case apic::kSvr:
        return svr_;
    case apic::kEsr:
        return esr_;
    case apic::kIcrLow:
        return icr_low_; // delivery status always idle: delivery is synchronous
    case apic::kIcrHigh:
        return icr_high_;
    case apic::kTimerInitialCount:
        return timer_.initial_count();
    case apic::kTimerCurrentCount:
        return timer_.current_count(now_ns);
    case apic::kTimerDivide:
        return divide_config_;
    default:
        break;
    }
    if (auto const entry = lvt_entry(offset))
        return lvt(*entry);
    if (auto const i = vector_bank_index(offset, apic::kIsrBase))
        return isr_.word(*i);
    if (auto const i = vector_bank_index(offset, apic::kTmrBase))
        return tmr_.word(*i);
    if (auto const i = vector_bank_index(offset, apic::kIrrBase))
        return irr_.word(*i);
    record_error_locked(apic::kEsrIllegalRegister);
    return 0;
}

void LocalApic::write_locked(uint32_t offset, uint32_t value, uint64_t now_ns, Outbox& outbox) {
    switch (offset) {
    case apic::kId:
        id_.store(value & (0xffU << apic::kIdShift), std::memory_order_relaxed);
        return;
    case apic::kTpr:
        tpr_ = value & 0xff;
        return;
    case apic::kEoi:
        write_eoi_locked(outbox);
        return;
    case apic::kLdr:
        ldr_.store(value & apic::kLdrMask, std::memory_order_relaxed);
        return;
    case apic::kDfr:
        dfr_.store((value & apic::kDfrModelMask) | apic::kDfrReservedOnes,
                   std::memory_order_relaxed);
        return;
    case apic::kSvr:
        write_svr_locked(value);
        return;
    case apic::kEsr:
        // A write latches the errors seen since the previous write (Intel SDM Vol. 3A 11.5.3).
        esr_ = pending_errors_;
        pending_errors_ = 0;
        return;
    case apic::kIcrLow:
        write_icr_locked(value, outbox);
        return;
    case apic::kIcrHigh:
        icr_high_ = value & apic::kIcrHighWritable;
        return;
    case apic::kTimerInitialCount:
        fire_timer_locked(now_ns);
        timer_.set_initial_count(value, now_ns);
        publish_deadline_locked();
        return;
    case apic::kTimerDivide:
        fire_timer_locked(now_ns);
        divide_config_ = value & apic::kDivideWritable;
        timer_.set_divisor(ApicTimer::divisor_from_config(value), now_ns);
        publish_deadline_locked();
        return;
    default:
        break;
    }
    if (auto const entry = lvt_entry(offset)) {
        write_lvt_locked(*entry, value, now_ns);
        return;
    }
    if (!is_read_only(offset))
        record_error_locked(apic::kEsrIllegalRegister);
}

void LocalApic::write_svr_locked(uint32_t value) {
    svr_ = value & apic::kSvrWritable;
    // Software disable masks every LVT entry (Intel SDM Vol. 3A 11.4.7.2).
    if (!software_enabled_locked()) {
        for (auto& entry : lvt_)
            entry |= apic::kLvtMasked;
    }
}

void LocalApic::write_lvt_locked(apic::Lvt entry, uint32_t value, uint64_t now_ns) {
    static constexpr std::array<uint32_t, apic::kLvtCount> kWritable = {
        apic::kLvtTimerWritable, apic::kLvtSensorWritable, apic::kLvtSensorWritable,
        apic::kLvtLint0Writable, apic::kLvtLint1Writable,  apic::kLvtErrorWritable,
    };
    uint32_t writable = kWritable[static_cast<unsigned>(entry)];
    if (entry == apic::Lvt::Timer && !tsc_deadline_supported_)
        writable = apic::kLvtTimerNoDeadline;
    value &= writable;
    // While software-disabled the mask bits cannot be cleared (Intel SDM Vol. 3A 11.4.7.2).
    if (!software_enabled_locked())
        value |= apic::kLvtMasked;
    lvt(entry) = value;
    if (entry == apic::Lvt::Timer) {
        fire_timer_locked(now_ns);
        timer_.set_mode(timer_mode_of(value), now_ns);
        publish_deadline_locked();
    }
}

void LocalApic::write_icr_locked(uint32_t value, Outbox& outbox) {
    icr_low_ = value & apic::kIcrLowWritable;
    auto const mode = decode_delivery_mode(value >> apic::kIcrDeliveryModeShift);
    auto const shorthand = static_cast<Shorthand>((value >> apic::kIcrShorthandShift) & 0x3);
    // The ICR cannot send ExtINT; SMI is not modelled; the self shorthand is valid with
    // fixed delivery only (Intel SDM Vol. 3A 11.6.1, the table of valid ICR
    // combinations for the xAPIC).
    bool const valid = mode && *mode != DeliveryMode::ExtInt && *mode != DeliveryMode::Smi &&
                       (shorthand != Shorthand::Self || *mode == DeliveryMode::Fixed);
    if (!valid) {
        VIREO_TRACE(Irq, "lapic {}: dropping IPI with ICR {:#x}", index_, value);
        return;
    }
    auto const vector = static_cast<uint8_t>(value & apic::kIcrVectorMask);
    bool const fixed = *mode == DeliveryMode::Fixed || *mode == DeliveryMode::LowestPriority;
    if (fixed && vector < kFirstLegalVector) {
        record_error_locked(apic::kEsrSendIllegalVector);
        return;
    }
    ApicMessage message;
    message.interrupt = Interrupt{
        .mode = *mode,
        .vector = vector,
        .trigger = (value & apic::kIcrLevel) != 0 ? TriggerMode::Level : TriggerMode::Edge,
        .assert = (value & apic::kIcrAssert) != 0,
    };
    message.destination_mode =
        (value & apic::kIcrLogical) != 0 ? DestinationMode::Logical : DestinationMode::Physical;
    message.destination = static_cast<uint8_t>(icr_high_ >> apic::kIcrHighDestinationShift);
    message.shorthand = shorthand;
    message.to_one = *mode == DeliveryMode::LowestPriority;
    message.source = index_;
    outbox.ipi = message;
}

void LocalApic::write_eoi_locked(Outbox& outbox) {
    // An EOI ends the highest-priority in-service interrupt; with nothing in service it is
    // ignored (Intel SDM Vol. 3A 11.8.5).
    auto const vector = isr_.highest();
    if (!vector)
        return;
    isr_.clear(*vector);
    // Level-triggered vectors are broadcast to the IOAPIC to clear its remote IRR.
    if (tmr_.test(*vector))
        outbox.eoi_vector = *vector;
}

void LocalApic::flush(Outbox const& outbox) {
    if (outbox.ipi)
        bus_.route(*outbox.ipi);
    if (outbox.eoi_vector)
        bus_.broadcast_eoi(*outbox.eoi_vector);
}

bool LocalApic::fire_timer_locked(uint64_t now_ns) {
    if (!timer_.expire(now_ns))
        return false;
    publish_deadline_locked();
    // A masked timer still counts and expires; it only raises nothing (Intel SDM Vol. 3A
    // 11.5.1: the mask "inhibits reception of the interrupt").
    if ((lvt(apic::Lvt::Timer) & apic::kLvtMasked) != 0)
        return false;
    deliver_lvt_locked(apic::Lvt::Timer);
    update_summary_locked();
    return true;
}

void LocalApic::publish_deadline_locked() {
    deadline_ns_.store(timer_.deadline_ns().value_or(UINT64_MAX), std::memory_order_release);
}

std::optional<uint64_t> LocalApic::next_deadline_ns() const {
    uint64_t const deadline = deadline_ns_.load(std::memory_order_acquire);
    if (deadline == UINT64_MAX)
        return std::nullopt;
    return deadline;
}

void LocalApic::update_timers(uint64_t now_ns) {
    bool fired = false;
    {
        std::lock_guard lock(mutex_);
        fired = fire_timer_locked(now_ns);
    }
    if (fired)
        wake();
}

void LocalApic::write_tsc_deadline(uint64_t tsc) {
    uint64_t const now = clock_.now_ns();
    std::lock_guard lock(mutex_);
    timer_.set_tsc_deadline(tsc);
    publish_deadline_locked();
    // A deadline already in the past fires at once (Intel SDM Vol. 3A 11.5.4.1).
    fire_timer_locked(now);
}

uint64_t LocalApic::read_tsc_deadline() {
    uint64_t const now = clock_.now_ns();
    std::lock_guard lock(mutex_);
    fire_timer_locked(now);
    return timer_.tsc_deadline();
}

uint8_t LocalApic::read_cr8() {
    std::lock_guard lock(mutex_);
    return static_cast<uint8_t>(priority_class(static_cast<uint8_t>(tpr_)));
}

void LocalApic::write_cr8(uint8_t value) {
    std::lock_guard lock(mutex_);
    // CR8[3:0] is TPR[7:4]; TPR[3:0] reads zero afterwards (Intel SDM Vol. 3A 11.8.6.1).
    tpr_ = static_cast<uint32_t>(value & 0xf) << 4;
    update_summary_locked();
}

uint64_t LocalApic::apic_base() const {
    std::lock_guard lock(mutex_);
    return apic_base_;
}

bool LocalApic::write_apic_base(uint64_t value) {
    if ((value & (apic::kApicBaseReserved | x86::kApicBaseX2Apic)) != 0)
        return false;
    std::lock_guard lock(mutex_);
    bool const was_enabled = hardware_enabled_locked();
    // The BSP flag is read-only (Intel SDM Vol. 3A 11.4.4).
    apic_base_ = (value & ~x86::kApicBaseBsp) | (apic_base_ & x86::kApicBaseBsp);
    // Disabling the APIC returns it to its power-up state (Intel SDM Vol. 3A 11.4.3).
    if (was_enabled != hardware_enabled_locked())
        reset_locked();
    update_summary_locked();
    return true;
}

} // namespace vireo::irqchip
