// Guest memory accesses by linear address, as instruction handlers make them. The fast path
// is an inline look-up in the vCPU's software TLB and a host load or store; everything else
// (TLB miss, page walk, MMIO, page-crossing accesses, writes to pages holding code) goes to
// the out-of-line slow path in memory.cpp, which raises #PF as a GuestFault.
#pragma once

#include <cstdint>
#include <cstring>

#include "emu/cpu.h"

namespace vireo::emu {

// Slow paths.
void read_slow(Cpu& cpu, uint64_t linear, void* out, unsigned size);
void write_slow(Cpu& cpu, uint64_t linear, void const* in, unsigned size);
void read_for_write_slow(Cpu& cpu, uint64_t linear, void* out, unsigned size);
// Accesses the processor makes on its own behalf (descriptor tables, TSS, IDT) use
// supervisor privilege whatever the CPL (Intel SDM Vol. 3A 4.6.1 "implicit supervisor").
void read_system(Cpu& cpu, uint64_t linear, void* out, unsigned size);
void write_system(Cpu& cpu, uint64_t linear, void const* in, unsigned size);

// Raises #AC(0) when alignment checking is armed (Cpu::alignment_check) and `linear` is not
// aligned for an access of `size` bytes. The slow paths call it; handlers that write with
// narrower accesses than their operand (MASKMOVQ) call it for the whole operand.
void check_alignment(Cpu const& cpu, uint64_t linear, unsigned size);

// A host pointer for `size` bytes at `linear` that may be written, for atomic
// read-modify-write instructions; nullptr when the bytes are not one RAM run (MMIO, page
// crossing), in which case the caller falls back to separate read and write. Faults like a
// write would.
uint8_t* writable_pointer(Cpu& cpu, uint64_t linear, unsigned size);

// The host address of a page-contained access if the TLB has it, else nullptr.
inline uint8_t* tlb_lookup(TlbEntry const* table, uint64_t linear, unsigned size) {
    TlbEntry const& entry = table[Tlb::slot(linear)];
    if (entry.tag == (linear >> kPageShift) && (linear & kPageOffsetMask) <= kPageSize - size)
        [[likely]]
        return reinterpret_cast<uint8_t*>(linear + entry.addend);
    return nullptr;
}

// True when the TLB entry maps `linear` and the access stays within its page.
inline bool tlb_hit(TlbEntry const& entry, uint64_t linear, unsigned size) {
    return entry.tag == (linear >> kPageShift) && (linear & kPageOffsetMask) <= kPageSize - size;
}

using SlowRead = void (*)(Cpu&, uint64_t, void*, unsigned);

// A load through one of the data TLBs, or its slow path on a miss.
template <typename T, SlowRead Slow>
inline T read_through(Cpu& cpu, TlbEntry const* table, uint64_t linear) {
    T value;
    TlbEntry const& entry = table[Tlb::slot(linear)];
    if (tlb_hit(entry, linear, sizeof(T))) [[likely]]
        std::memcpy(&value, reinterpret_cast<void const*>(linear + entry.addend), sizeof(T));
    else
        Slow(cpu, linear, &value, sizeof(T));
    return value;
}

template <typename T>
inline T read_mem(Cpu& cpu, uint64_t linear) {
    return read_through<T, read_slow>(cpu, cpu.tlb_read, linear);
}

template <typename T>
inline void write_mem(Cpu& cpu, uint64_t linear, T value) {
    TlbEntry const& entry = cpu.tlb_write[Tlb::slot(linear)];
    if (tlb_hit(entry, linear, sizeof(T))) [[likely]]
        std::memcpy(reinterpret_cast<void*>(linear + entry.addend), &value, sizeof(T));
    else
        write_slow(cpu, linear, &value, sizeof(T));
}

// The read of a read-modify-write instruction. The processor translates the destination for
// the write before it reads it, so a fault reports a write, with the write's permission
// checks (Intel SDM Vol. 3A 4.7: the W/R bit of the error code is that of the access). The
// write TLB only maps pages that may be written, so its hit is enough.
template <typename T>
inline T read_for_write(Cpu& cpu, uint64_t linear) {
    return read_through<T, read_for_write_slow>(cpu, cpu.tlb_write, linear);
}

// Sized accesses for handlers templated on the operand size in bytes.
template <unsigned Size>
struct UintOf;
template <>
struct UintOf<1> {
    using type = uint8_t;
};
template <>
struct UintOf<2> {
    using type = uint16_t;
};
template <>
struct UintOf<4> {
    using type = uint32_t;
};
template <>
struct UintOf<8> {
    using type = uint64_t;
};

template <unsigned Size>
inline uint64_t read_sized(Cpu& cpu, uint64_t linear) {
    return read_mem<typename UintOf<Size>::type>(cpu, linear);
}
template <unsigned Size>
inline uint64_t read_for_write_sized(Cpu& cpu, uint64_t linear) {
    return read_for_write<typename UintOf<Size>::type>(cpu, linear);
}
template <unsigned Size>
inline void write_sized(Cpu& cpu, uint64_t linear, uint64_t value) {
    write_mem<typename UintOf<Size>::type>(cpu, linear,
                                           static_cast<typename UintOf<Size>::type>(value));
}

// Run-time sized versions for generic handlers.
uint64_t read_mem_n(Cpu& cpu, uint64_t linear, unsigned size);
void write_mem_n(Cpu& cpu, uint64_t linear, unsigned size, uint64_t value);

} // namespace vireo::emu
