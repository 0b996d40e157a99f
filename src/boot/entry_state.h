// The processor state at a kernel's entry point, and the guest structures it refers to: the
// boot GDT and, for 64-bit entry, identity-mapping page tables.
#pragma once

#include <cstdint>

#include "base/result.h"
#include "x86/cpu_state.h"

namespace vireo {
class GuestMemory;
}

namespace vireo::boot {

enum class EntryMode {
    LongMode64,      // Linux 64-bit boot protocol: paging on, identity map of the first 4 GiB
    ProtectedMode32, // PVH and multiboot: flat 32-bit segments, paging off
};

// Selectors of vireo's boot GDT. The 64-bit code and the data selector are the ones the Linux
// 64-bit boot protocol requires (boot.rst: "__BOOT_CS(0x10) and __BOOT_DS(0x18)"); 32-bit
// entries, whose specifications leave the selectors unspecified, use 0x08 with the same data
// selector, so one four-entry table serves every format.
inline constexpr uint16_t kBootCode32Selector = 0x08;
inline constexpr uint16_t kBootCode64Selector = 0x10;
inline constexpr uint16_t kBootDataSelector = 0x18;

// Writes the GDT (and the page tables for long mode) and returns a state that starts executing
// at `entry` with interrupts off and RSP at pc::kBootStackTop. The caller sets the registers
// its format passes information in (RSI, EBX, EAX).
Result<x86::CpuState> prepare_entry_state(GuestMemory& memory, EntryMode mode, uint64_t entry);

} // namespace vireo::boot
