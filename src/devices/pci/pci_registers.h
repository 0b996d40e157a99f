// The registers of a PCI function's configuration space that vireo implements, named as the
// PCI Local Bus Specification 3.0 (chapter 6) names them.
#pragma once

#include <cstdint>

namespace vireo::pci {

// A conventional function's configuration space (PCI Local Bus 3.0 6.1). Behind ECAM every
// function has 4 KiB (PCI Express Base 4.0 7.2.2); vireo's functions have no extended
// capabilities, so bytes 256-4095 read as zero.
inline constexpr uint16_t kConfigSpaceSize = 256;
inline constexpr uint16_t kExtendedConfigSpaceSize = 4096;

// Type 0 header (PCI Local Bus 3.0 6.1, Figure 6-1).
inline constexpr uint16_t kVendorId = 0x00;
inline constexpr uint16_t kDeviceId = 0x02;
inline constexpr uint16_t kCommand = 0x04;
inline constexpr uint16_t kStatus = 0x06;
inline constexpr uint16_t kRevisionId = 0x08;
inline constexpr uint16_t kClassCode = 0x09; // three bytes: programming interface, sub, base
inline constexpr uint16_t kCacheLineSize = 0x0c;
inline constexpr uint16_t kHeaderType = 0x0e;
inline constexpr uint16_t kBar0 = 0x10;
inline constexpr uint16_t kSubsystemVendorId = 0x2c;
inline constexpr uint16_t kSubsystemId = 0x2e;
inline constexpr uint16_t kExpansionRom = 0x30;
inline constexpr uint16_t kCapabilitiesPointer = 0x34;
inline constexpr uint16_t kInterruptLine = 0x3c;
inline constexpr uint16_t kInterruptPin = 0x3d;
// Capabilities live after the header (PCI Local Bus 3.0 6.7: "at an offset 40h or greater").
inline constexpr uint16_t kFirstCapabilityOffset = 0x40;

inline constexpr unsigned kBarCount = 6;
inline constexpr uint16_t kBarSize = 4;

// Command register bits (PCI Local Bus 3.0 6.2.2).
inline constexpr uint16_t kCommandIo = 1U << 0;
inline constexpr uint16_t kCommandMemory = 1U << 1;
inline constexpr uint16_t kCommandBusMaster = 1U << 2;
inline constexpr uint16_t kCommandParity = 1U << 6;
inline constexpr uint16_t kCommandSerr = 1U << 8;
inline constexpr uint16_t kCommandIntxDisable = 1U << 10;
inline constexpr uint16_t kCommandWritable = kCommandIo | kCommandMemory | kCommandBusMaster |
                                             kCommandParity | kCommandSerr | kCommandIntxDisable;

// Status register bits (PCI Local Bus 3.0 6.2.3). The error bits are write-1-to-clear.
inline constexpr uint16_t kStatusInterrupt = 1U << 3;
inline constexpr uint16_t kStatusCapabilities = 1U << 4;
inline constexpr uint16_t kStatusErrorBits = 0xf900; // bits 8 and 11-15

// Header type (PCI Local Bus 3.0 6.2.1): layout 0, single function.
inline constexpr uint8_t kHeaderTypeNormal = 0x00;

// Base address register bits (PCI Local Bus 3.0 6.2.5.1).
inline constexpr uint32_t kBarIoSpace = 1U << 0;
inline constexpr uint32_t kBarMemoryType64 = 2U << 1;
inline constexpr uint32_t kBarPrefetchable = 1U << 3;
inline constexpr uint32_t kBarMemoryFlagsMask = 0xf;
inline constexpr uint32_t kBarIoFlagsMask = 0x3;
// The smallest memory BAR is 16 bytes, the smallest I/O BAR 4 bytes (PCI Local Bus 3.0
// 6.2.5.1); vireo places memory BARs on at least 4 KiB so each gets its own guest page.
inline constexpr uint64_t kMinMemoryBarSize = 16;
inline constexpr uint64_t kMinIoBarSize = 4;

// Interrupt pin values (PCI Local Bus 3.0 6.2.4): 1 is INTA#.
inline constexpr uint8_t kInterruptPinIntA = 1;

// Capability IDs (PCI Code and ID Assignment Specification 1.11, chapter 2).
inline constexpr uint8_t kCapabilityVendor = 0x09;
inline constexpr uint8_t kCapabilityMsix = 0x11;

// Class codes (PCI Code and ID Assignment Specification 1.11, chapter 1).
inline constexpr uint32_t kClassHostBridge = 0x060000;
inline constexpr uint32_t kClassOther = 0xff0000;

// A read of a function that does not exist returns all ones (PCI Local Bus 3.0 6.1: the
// host bridge returns 0xFFFF as the vendor ID of an absent function).
inline constexpr uint32_t kAbsentFunction = 0xffffffff;

// Devices per bus and functions per device (PCI Local Bus 3.0 3.2.2.3.1).
inline constexpr unsigned kSlotsPerBus = 32;
inline constexpr unsigned kFunctionsPerSlot = 8;

} // namespace vireo::pci
