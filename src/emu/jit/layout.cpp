#include "emu/jit/layout.h"

#include <cstddef>

#include "emu/tlb.h"

namespace vireo::emu::jit {

namespace {

int32_t offset_in(Cpu& cpu, void const* field) {
    return static_cast<int32_t>(static_cast<char const*>(field) -
                                reinterpret_cast<char const*>(&cpu));
}

} // namespace

CpuLayout CpuLayout::of(Cpu& cpu) {
    // Translated code reads a TLB entry as a tag and an addend at fixed offsets.
    static_assert(sizeof(TlbEntry) == 16 && offsetof(TlbEntry, tag) == 0 &&
                  offsetof(TlbEntry, addend) == 8);
    CpuLayout layout;
    layout.regs = offset_in(cpu, &cpu.regs[0]);
    layout.rip = offset_in(cpu, &cpu.regs[kRegRip]);
    layout.events = offset_in(cpu, &cpu.events);
    for (unsigned s = 0; s < kSegCount; ++s)
        layout.segment_base[s] = offset_in(cpu, &cpu.seg[s].base);
    layout.tlb_read = offset_in(cpu, &cpu.tlb_read);
    layout.tlb_write = offset_in(cpu, &cpu.tlb_write);
    return layout;
}

} // namespace vireo::emu::jit
