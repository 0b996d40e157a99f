// Delivery of exceptions and interrupts through the IDT in real mode (IVT), protected mode
// (32-bit gates) and IA-32e mode (64-bit gates, IST, stack switch), with double-fault and
// triple-fault escalation (Intel SDM Vol. 3A 6).
#pragma once

#include <cstdint>

#include "emu/cpu.h"
#include "emu/fault.h"

namespace vireo::emu {

enum class EventType : uint8_t {
    Exception,         // raised by an instruction (a GuestFault)
    External,          // an interrupt from the interrupt controller, or NMI
    Software,          // INT n
    SoftwareException, // INT3, INTO: like INT n but their own vector checks
};

// Delivers an event; nested faults during delivery propagate as GuestFault.
void deliver_event(Cpu& cpu, uint8_t vector, EventType type, bool has_error, uint32_t error);

// Delivers a fault raised by an instruction, escalating to #DF when delivery itself faults.
// Returns false when the processor shuts down (triple fault).
bool deliver_exception(Cpu& cpu, GuestFault const& fault);

// Delivers an external interrupt (or NMI, vector 2). Returns false on triple fault.
bool deliver_interrupt(Cpu& cpu, uint8_t vector);

// RFLAGS as POPF writes it: only the bits CPL and IOPL allow (Intel SDM Vol. 2B "POPF").
void write_flags(Cpu& cpu, uint64_t value, unsigned operand_size);

// Called when IF may have gone from 0 to 1: pending interrupts must be looked at again.
inline void interrupts_enabled(Cpu& cpu) {
    cpu.request(kEventInterrupt);
}

} // namespace vireo::emu
