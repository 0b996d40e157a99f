// The architectural state of one x86-64 logical processor, as both accelerators exchange it
// with the VMM: boot set-up writes it, crash reports print it, snapshots will save it.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace vireo::x86 {

// General-purpose registers in the order of their encoding in ModRM/REX (Intel SDM Vol. 2A
// Table 2-2 and 2.2.1.2).
enum class Gpr : uint8_t {
    Rax,
    Rcx,
    Rdx,
    Rbx,
    Rsp,
    Rbp,
    Rsi,
    Rdi,
    R8,
    R9,
    R10,
    R11,
    R12,
    R13,
    R14,
    R15,
};
inline constexpr size_t kGprCount = 16;

// A segment register with its hidden descriptor cache (Intel SDM Vol. 3A 3.4.3).
struct Segment {
    uint64_t base = 0;
    uint32_t limit = 0; // in bytes, already scaled by granularity
    uint16_t selector = 0;
    uint8_t type = 0; // descriptor type field (Intel SDM Vol. 3A 3.4.5.1)
    uint8_t dpl = 0;
    bool present = false;
    bool system = false;    // S flag clear: a system segment (TSS, LDT)
    bool db = false;        // default operation size (D/B)
    bool long_mode = false; // L flag: 64-bit code segment
    bool granularity = false;
    bool available = false;
    bool unusable = false;

    // The access-rights word as VMX and KVM lay it out (Intel SDM Vol. 3C 24.4.1).
    uint32_t access_rights() const;
    static Segment from_descriptor(uint16_t selector, uint64_t descriptor);
};

struct DescriptorTable {
    uint64_t base = 0;
    uint16_t limit = 0;
};

struct CpuState {
    std::array<uint64_t, kGprCount> gpr{};
    uint64_t rip = 0;
    uint64_t rflags = 0x2; // bit 1 is reserved and always set (Intel SDM Vol. 1 3.4.3)

    Segment cs, ds, es, fs, gs, ss, tr, ldt;
    DescriptorTable gdt, idt;

    uint64_t cr0 = 0, cr2 = 0, cr3 = 0, cr4 = 0, cr8 = 0;
    uint64_t efer = 0;
    uint64_t apic_base = 0;

    uint64_t& reg(Gpr which) { return gpr[static_cast<size_t>(which)]; }
    uint64_t reg(Gpr which) const { return gpr[static_cast<size_t>(which)]; }
};

// A multi-line register dump in the style of a kernel oops, for crash reports.
std::string format_cpu_state(CpuState const& state);

} // namespace vireo::x86
