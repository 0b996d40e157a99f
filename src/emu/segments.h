// Segment descriptors: reading them from the GDT/LDT and loading segment registers with the
// checks of Intel SDM Vol. 3A 5 (privilege, type, presence) that guests rely on.
#pragma once

#include <cstdint>

#include "emu/cpu.h"

namespace vireo::emu {

// Descriptor fields (Intel SDM Vol. 3A 3.4.5, Figure 3-8).
inline constexpr uint64_t kDescAccessed = 1ULL << 40;
inline constexpr uint64_t kDescWritable = 1ULL << 41;   // data; readable for code
inline constexpr uint64_t kDescConforming = 1ULL << 42; // code; expand-down for data
inline constexpr uint64_t kDescCode = 1ULL << 43;
inline constexpr uint64_t kDescNonSystem = 1ULL << 44;
inline constexpr uint64_t kDescPresent = 1ULL << 47;
inline constexpr uint64_t kDescLong = 1ULL << 53;
inline constexpr uint64_t kDescBig = 1ULL << 54;
inline constexpr unsigned descriptor_dpl(uint64_t d) {
    return (d >> 45) & 3;
}
inline constexpr unsigned descriptor_type(uint64_t d) {
    return (d >> 40) & 0xf;
}

// System descriptor types (Intel SDM Vol. 3A 3.5, Table 3-2).
inline constexpr unsigned kTypeLdt = 0x2;
inline constexpr unsigned kTypeTssAvailable = 0x9;
inline constexpr unsigned kTypeTssBusy = 0xb;

// Reads the descriptor `selector` names. Raises #GP(selector) if it lies outside its table
// or, unless `allow_null`, if the selector is null.
uint64_t read_descriptor(Cpu& cpu, uint16_t selector);
// The upper 8 bytes of a 16-byte system descriptor in IA-32e mode.
uint64_t read_descriptor_high(Cpu& cpu, uint16_t selector);
void write_descriptor(Cpu& cpu, uint16_t selector, uint64_t descriptor);

// MOV/POP to DS, ES, FS, GS or SS: real-mode semantics or the protected-mode checks.
void load_segment(Cpu& cpu, unsigned seg, uint16_t selector);

// Loads CS from a code descriptor already checked by the caller, at privilege `cpl`.
void set_code_segment(Cpu& cpu, uint16_t selector, uint64_t descriptor, unsigned cpl);
// Loads SS with a descriptor already checked, or a null selector in 64-bit mode.
void set_stack_segment(Cpu& cpu, uint16_t selector, uint64_t descriptor);
void set_null_stack_segment(Cpu& cpu, unsigned rpl);

// A far transfer's target code segment, checked for a JMP/CALL/RET/IRET to `selector`.
uint64_t check_code_descriptor(Cpu& cpu, uint16_t selector);

} // namespace vireo::emu
