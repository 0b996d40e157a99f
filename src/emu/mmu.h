// Linear-to-physical translation: the page walk for 32-bit, PAE and 4-level paging (Intel
// SDM Vol. 3A 4.3, 4.4, 4.5) with the access checks of 4.6, accessed/dirty updates made
// atomically in guest memory (other vCPUs walk the same tables), and the TLB fill.
#pragma once

#include <cstdint>
#include <optional>

#include "emu/cpu.h"

namespace vireo::emu {

// The physical-address width vireo advertises (CPUID 0x80000008 EAX[7:0]); page-table bits
// above it are reserved (Intel SDM Vol. 3A 4.5.4).
inline constexpr unsigned kPhysicalAddressBits = 42;
inline constexpr unsigned kLinearAddressBits = 48;

struct Translation {
    uint64_t physical;
    uint8_t* host; // nullptr when the address is not RAM (MMIO)
};

// Translates `linear` for `access` made with user privilege or not, setting A/D bits and
// filling the TLB when the page may be cached. Raises #PF (with CR2) on failure.
Translation translate(Cpu& cpu, uint64_t linear, Access access, bool user);

// A look-up for debuggers and traces: raises no fault (it may set accessed bits, as a
// speculative walk of the processor may).
std::optional<uint64_t> probe_physical(Cpu& cpu, uint64_t linear);

} // namespace vireo::emu
