#include "emu/segments.h"

#include "emu/fault.h"
#include "emu/memory.h"

namespace vireo::emu {

namespace {

constexpr uint16_t kSelectorTi = 1U << 2; // table indicator: LDT
constexpr uint16_t kSelectorRplMask = 3;

uint64_t descriptor_address(Cpu& cpu, uint16_t selector, unsigned bytes) {
    uint16_t const index = selector & ~7U;
    bool const local = (selector & kSelectorTi) != 0;
    uint64_t const base = local ? cpu.ldt.base : cpu.gdt.base;
    uint64_t const limit = local ? cpu.ldt.limit : cpu.gdt.limit;
    if ((local && cpu.ldt.unusable) || index + bytes - 1 > limit)
        raise_gp(selector & ~kSelectorRplMask);
    return base + index;
}

x86::Segment segment_from(uint16_t selector, uint64_t descriptor) {
    return x86::Segment::from_descriptor(selector, descriptor);
}

// Sets the accessed bit in the descriptor table, as a segment load does (Intel SDM Vol. 3A
// 3.4.5.1); skipped when already set, so read-only GDTs with preset bits work.
void mark_accessed(Cpu& cpu, uint16_t selector, uint64_t descriptor) {
    if ((descriptor & kDescAccessed) == 0)
        write_descriptor(cpu, selector, descriptor | kDescAccessed);
}

} // namespace

uint64_t read_descriptor(Cpu& cpu, uint16_t selector) {
    uint64_t descriptor = 0;
    read_system(cpu, descriptor_address(cpu, selector, 8), &descriptor, 8);
    return descriptor;
}

uint64_t read_descriptor_high(Cpu& cpu, uint16_t selector) {
    uint64_t descriptor = 0;
    read_system(cpu, descriptor_address(cpu, selector, 16) + 8, &descriptor, 8);
    return descriptor;
}

void write_descriptor(Cpu& cpu, uint16_t selector, uint64_t descriptor) {
    write_system(cpu, descriptor_address(cpu, selector, 8), &descriptor, 8);
}

void load_segment(Cpu& cpu, unsigned seg, uint16_t selector) {
    x86::Segment& target = cpu.seg[seg];
    if (!cpu.protected_mode()) {
        // Real mode: base = selector * 16, other attributes unchanged (Intel SDM Vol. 3A 20.1).
        target.selector = selector;
        target.base = static_cast<uint64_t>(selector) << 4;
        if (seg == kSegSs)
            cpu.update_mode();
        return;
    }
    unsigned const rpl = selector & kSelectorRplMask;
    if ((selector & ~kSelectorRplMask) == 0) {
        // A null selector: fine for data segments; for SS only in 64-bit mode below CPL 3
        // with RPL = CPL (Intel SDM Vol. 2A "MOV", "POP").
        if (seg == kSegSs) {
            if (cpu.code_mode != CodeMode::Bits64 || cpu.cpl == 3 || rpl != cpu.cpl)
                raise_gp(0);
            return set_null_stack_segment(cpu, rpl);
        }
        target = x86::Segment{};
        target.selector = selector;
        target.unusable = true;
        return;
    }
    uint64_t const d = read_descriptor(cpu, selector);
    uint16_t const error = selector & ~kSelectorRplMask;
    if ((d & kDescNonSystem) == 0)
        raise_gp(error);
    unsigned const dpl = descriptor_dpl(d);
    if (seg == kSegSs) {
        // SS: a writable data segment with RPL = DPL = CPL.
        if ((d & kDescCode) != 0 || (d & kDescWritable) == 0 || rpl != cpu.cpl || dpl != cpu.cpl)
            raise_gp(error);
        if ((d & kDescPresent) == 0)
            raise_fault(x86::Vector::StackFault, error);
        mark_accessed(cpu, selector, d);
        return set_stack_segment(cpu, selector, d | kDescAccessed);
    }
    // Data segments and readable code; non-conforming ones need DPL >= max(CPL, RPL).
    bool const code = (d & kDescCode) != 0;
    if (code && (d & kDescWritable) == 0)
        raise_gp(error);
    bool const conforming_code = code && (d & kDescConforming) != 0;
    if (!conforming_code && (dpl < cpu.cpl || dpl < rpl))
        raise_gp(error);
    if ((d & kDescPresent) == 0)
        raise_fault(x86::Vector::SegmentNotPresent, error);
    mark_accessed(cpu, selector, d);
    // In 64-bit mode too a selector load replaces an FS/GS base with the descriptor's 32
    // bits; 64-bit bases come from WRMSR or SWAPGS afterwards.
    target = segment_from(selector, d | kDescAccessed);
}

void set_code_segment(Cpu& cpu, uint16_t selector, uint64_t descriptor, unsigned cpl) {
    x86::Segment cs = segment_from(static_cast<uint16_t>((selector & ~kSelectorRplMask) | cpl),
                                   descriptor | kDescAccessed);
    cpu.seg[kSegCs] = cs;
    cpu.seg[kSegSs].dpl = static_cast<uint8_t>(cpl);
    cpu.update_mode();
}

void set_stack_segment(Cpu& cpu, uint16_t selector, uint64_t descriptor) {
    cpu.seg[kSegSs] = segment_from(selector, descriptor);
    cpu.update_mode();
}

void set_null_stack_segment(Cpu& cpu, unsigned rpl) {
    x86::Segment ss;
    ss.selector = static_cast<uint16_t>(rpl);
    ss.dpl = static_cast<uint8_t>(rpl);
    ss.unusable = true;
    ss.db = true;
    cpu.seg[kSegSs] = ss;
    cpu.update_mode();
}

uint64_t check_code_descriptor(Cpu& cpu, uint16_t selector) {
    uint16_t const error = selector & ~kSelectorRplMask;
    if (error == 0)
        raise_gp(0);
    uint64_t const d = read_descriptor(cpu, selector);
    if ((d & kDescNonSystem) == 0 || (d & kDescCode) == 0)
        raise_gp(error);
    if ((d & kDescPresent) == 0)
        raise_fault(x86::Vector::SegmentNotPresent, error);
    return d;
}

} // namespace vireo::emu
