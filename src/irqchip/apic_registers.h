// The xAPIC register page: offsets from the APIC base (Intel SDM Vol. 3A 11.4.1, Table 11-1)
// and the fields of the registers vireo implements.
#pragma once

#include <cstdint>

namespace vireo::irqchip::apic {

inline constexpr uint64_t kPageSize = 0x1000;
// Registers sit on 16-byte boundaries and are 32 bits wide (Intel SDM Vol. 3A 11.4.1).
inline constexpr uint32_t kRegisterStride = 0x10;
inline constexpr uint32_t kRegisterBytes = 4;

enum Offset : uint32_t {
    kId = 0x020,
    kVersion = 0x030,
    kTpr = 0x080,
    kApr = 0x090,
    kPpr = 0x0a0,
    kEoi = 0x0b0,
    kRrd = 0x0c0,
    kLdr = 0x0d0,
    kDfr = 0x0e0,
    kSvr = 0x0f0,
    kIsrBase = 0x100, // eight registers each: ISR 0x100-0x170, TMR 0x180-0x1f0,
    kTmrBase = 0x180, // IRR 0x200-0x270
    kIrrBase = 0x200,
    kEsr = 0x280,
    kIcrLow = 0x300,
    kIcrHigh = 0x310,
    kLvtTimer = 0x320,
    kLvtThermal = 0x330,
    kLvtPerfmon = 0x340,
    kLvtLint0 = 0x350,
    kLvtLint1 = 0x360,
    kLvtError = 0x370,
    kTimerInitialCount = 0x380,
    kTimerCurrentCount = 0x390,
    kTimerDivide = 0x3e0,
};

// The LVT entries, in register order from kLvtTimer (Intel SDM Vol. 3A 11.5.1, Figure 11-8).
// No CMCI entry: the version register reports five as the highest LVT index.
enum class Lvt : uint8_t { Timer, Thermal, Perfmon, Lint0, Lint1, Error };
inline constexpr unsigned kLvtCount = 6;

// Version register (Intel SDM Vol. 3A 11.4.8): 0x14 is an integrated xAPIC; bits 23:16 hold
// the number of LVT entries minus one; bit 24 (EOI-broadcast suppression) stays clear.
inline constexpr uint32_t kVersion14 = 0x14;
inline constexpr uint32_t kVersionValue = ((kLvtCount - 1) << 16) | kVersion14;

// LVT fields (Intel SDM Vol. 3A 11.5.1, Figure 11-8).
inline constexpr uint32_t kLvtVectorMask = 0xff;
inline constexpr uint32_t kLvtDeliveryModeShift = 8;
inline constexpr uint32_t kLvtDeliveryModeMask = 0x700;
inline constexpr uint32_t kLvtTriggerLevel = 1U << 15;
inline constexpr uint32_t kLvtMasked = 1U << 16;
inline constexpr uint32_t kLvtTimerModeShift = 17;
// Writable bits of each LVT entry; delivery status and remote IRR read as zero because
// vireo delivers synchronously.
inline constexpr uint32_t kLvtTimerWritable = 0x000700ff;   // vector, mask, mode 18:17
inline constexpr uint32_t kLvtTimerNoDeadline = 0x000300ff; // mode bit 18 reserved
inline constexpr uint32_t kLvtLint0Writable = 0x0001a7ff;   // + delivery mode, polarity, trigger
inline constexpr uint32_t kLvtLint1Writable = 0x000127ff;   // LINT1 is edge only
inline constexpr uint32_t kLvtErrorWritable = 0x000100ff;
inline constexpr uint32_t kLvtSensorWritable = 0x000107ff; // thermal, perfmon
inline constexpr uint32_t kLvtResetValue = kLvtMasked;     // Intel SDM Vol. 3A 11.4.7.1

// Spurious-interrupt vector register (Intel SDM Vol. 3A 11.9, Figure 11-23): vector,
// bit 8 software enable, bit 9 focus processor checking. No EOI-broadcast suppression.
inline constexpr uint32_t kSvrWritable = 0x3ff;
inline constexpr uint32_t kSvrEnable = 1U << 8;
inline constexpr uint32_t kSvrResetValue = 0xff; // Intel SDM Vol. 3A 11.4.7.1

// ID register: the xAPIC ID is bits 31:24 (Intel SDM Vol. 3A 11.4.6).
inline constexpr uint32_t kIdShift = 24;
// Logical destination register: bits 31:24; destination format register: model in bits
// 31:28, flat 1111b, cluster 0000b, the rest reads as ones (Intel SDM Vol. 3A 11.6.2.2).
inline constexpr uint32_t kLdrMask = 0xff000000;
inline constexpr uint32_t kDfrModelMask = 0xf0000000;
inline constexpr uint32_t kDfrReservedOnes = 0x0fffffff;
inline constexpr uint32_t kDfrFlat = 0xf0000000;
inline constexpr uint32_t kDfrResetValue = 0xffffffff;

// Error status register bits (Intel SDM Vol. 3A 11.5.3, Figure 11-9).
inline constexpr uint32_t kEsrSendIllegalVector = 1U << 5;
inline constexpr uint32_t kEsrReceiveIllegalVector = 1U << 6;
inline constexpr uint32_t kEsrIllegalRegister = 1U << 7;

// ICR (Intel SDM Vol. 3A 11.6.1, Figure 11-12).
inline constexpr uint32_t kIcrLowWritable = 0x000ccfff; // delivery status (bit 12) is RO
inline constexpr uint32_t kIcrVectorMask = 0xff;
inline constexpr uint32_t kIcrDeliveryModeShift = 8;
inline constexpr uint32_t kIcrLogical = 1U << 11;
inline constexpr uint32_t kIcrAssert = 1U << 14;
inline constexpr uint32_t kIcrLevel = 1U << 15;
inline constexpr uint32_t kIcrShorthandShift = 18;
inline constexpr uint32_t kIcrHighDestinationShift = 24;
inline constexpr uint32_t kIcrHighWritable = 0xff000000;

// Divide configuration register: bits 0, 1 and 3 (Intel SDM Vol. 3A 11.5.4, Figure 11-10).
inline constexpr uint32_t kDivideWritable = 0xb;

// IA32_APIC_BASE (Intel SDM Vol. 3A 11.4.4, Figure 11-5): the BSP, x2APIC and enable bits
// are x86::kApicBase*; bits 7:0 and 9 are reserved.
inline constexpr uint64_t kApicBaseReserved = 0xffULL | (1ULL << 9);

} // namespace vireo::irqchip::apic
