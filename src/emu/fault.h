// Guest faults raised inside an instruction. A handler that detects an architectural fault
// (#PF, #GP, #UD...) throws GuestFault; the block executor catches it, rewinds RIP to the
// faulting instruction and delivers the exception through the IDT. This is the one accepted
// use of C++ exceptions in vireo: it keeps the fast path free of error checks (zero cost when
// nothing is thrown) and a fault is rare and already expensive for the guest.
#pragma once

#include <cstdint>

#include "x86/registers.h"

namespace vireo::emu {

struct GuestFault {
    uint8_t vector;
    bool has_error_code;
    uint32_t error_code;
};

[[noreturn]] inline void raise_fault(x86::Vector vector) {
    throw GuestFault{static_cast<uint8_t>(vector), false, 0};
}
[[noreturn]] inline void raise_fault(x86::Vector vector, uint32_t error_code) {
    throw GuestFault{static_cast<uint8_t>(vector), true, error_code};
}
[[noreturn]] inline void raise_ud() {
    raise_fault(x86::Vector::InvalidOpcode);
}
[[noreturn]] inline void raise_gp(uint32_t error_code = 0) {
    raise_fault(x86::Vector::GeneralProtection, error_code);
}
[[noreturn]] inline void raise_de() {
    raise_fault(x86::Vector::DivideError);
}

// Page-fault error code bits (Intel SDM Vol. 3A 4.7, Figure 4-12).
inline constexpr uint32_t kPfPresent = 1U << 0;
inline constexpr uint32_t kPfWrite = 1U << 1;
inline constexpr uint32_t kPfUser = 1U << 2;
inline constexpr uint32_t kPfReservedBit = 1U << 3;
inline constexpr uint32_t kPfFetch = 1U << 4;

// Selector error codes (Intel SDM Vol. 3A 6.13, Figure 6-6).
inline constexpr uint32_t kErrorExternal = 1U << 0;
inline constexpr uint32_t kErrorIdt = 1U << 1;
inline constexpr uint32_t kErrorLdt = 1U << 2;

} // namespace vireo::emu
