#include "x86/cpu_state.h"

#include <fmt/format.h>

namespace vireo::x86 {

uint32_t Segment::access_rights() const {
    // Intel SDM Vol. 3C 24.4.1, Table 24-2: type 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13,
    // D/B 14, G 15, unusable 16.
    return static_cast<uint32_t>(type & 0xf) | (system ? 0U : 1U << 4) |
           (static_cast<uint32_t>(dpl & 3) << 5) | (present ? 1U << 7 : 0U) |
           (available ? 1U << 12 : 0U) | (long_mode ? 1U << 13 : 0U) | (db ? 1U << 14 : 0U) |
           (granularity ? 1U << 15 : 0U) | (unusable ? 1U << 16 : 0U);
}

Segment Segment::from_descriptor(uint16_t selector, uint64_t descriptor) {
    // Intel SDM Vol. 3A 3.4.5, Figure 3-8: the layout of a segment descriptor.
    Segment segment;
    segment.selector = selector;
    segment.base = ((descriptor >> 16) & 0xffffff) | (((descriptor >> 56) & 0xff) << 24);
    uint32_t limit =
        static_cast<uint32_t>((descriptor & 0xffff) | (((descriptor >> 48) & 0xf) << 16));
    segment.type = (descriptor >> 40) & 0xf;
    segment.system = ((descriptor >> 44) & 1) == 0;
    segment.dpl = (descriptor >> 45) & 3;
    segment.present = ((descriptor >> 47) & 1) != 0;
    segment.available = ((descriptor >> 52) & 1) != 0;
    segment.long_mode = ((descriptor >> 53) & 1) != 0;
    segment.db = ((descriptor >> 54) & 1) != 0;
    segment.granularity = ((descriptor >> 55) & 1) != 0;
    segment.limit = segment.granularity ? (limit << 12) | 0xfff : limit;
    return segment;
}

namespace {

std::string format_segment(char const* name, Segment const& s) {
    return fmt::format("{:<3} {:04x} base={:016x} limit={:08x} ar={:05x}\n", name, s.selector,
                       s.base, s.limit, s.access_rights());
}

} // namespace

std::string format_cpu_state(CpuState const& s) {
    static constexpr char const* kNames[kGprCount] = {"RAX", "RCX", "RDX", "RBX", "RSP", "RBP",
                                                      "RSI", "RDI", "R8",  "R9",  "R10", "R11",
                                                      "R12", "R13", "R14", "R15"};
    std::string out;
    for (size_t i = 0; i < kGprCount; ++i)
        out += fmt::format("{:<3}={:016x}{}", kNames[i], s.gpr[i], i % 4 == 3 ? "\n" : " ");
    out += fmt::format("RIP={:016x} RFL={:08x}\n", s.rip, s.rflags);
    out += format_segment("CS", s.cs) + format_segment("SS", s.ss) + format_segment("DS", s.ds) +
           format_segment("ES", s.es) + format_segment("FS", s.fs) + format_segment("GS", s.gs) +
           format_segment("TR", s.tr) + format_segment("LDT", s.ldt);
    out += fmt::format("GDT base={:016x} limit={:04x}  IDT base={:016x} limit={:04x}\n", s.gdt.base,
                       s.gdt.limit, s.idt.base, s.idt.limit);
    out += fmt::format("CR0={:08x} CR2={:016x} CR3={:016x} CR4={:08x}\nEFER={:x} APIC_BASE={:x}\n",
                       s.cr0, s.cr2, s.cr3, s.cr4, s.efer, s.apic_base);
    return out;
}

} // namespace vireo::x86
