#include "emu/msr.h"

#include <ctime>

#include "emu/cpuid.h"
#include "emu/mmu.h"

namespace vireo::emu {

namespace {

// IA32_ARCH_CAPABILITIES (Intel SDM Vol. 4 Table 2-2; ITS_NO is the bit Intel reserves for
// VMMs to say so, Linux's msr-index.h ARCH_CAP_ITS_NO): the processor is not affected by the
// speculative-execution issues Linux would otherwise mitigate at great cost in an emulator,
// which has no speculation. Without BHI_NO and ITS_NO a guest that sees the hypervisor bit
// assumes the worst: it routes every RET through one return thunk and clears the branch
// history on each system call, which turns the JIT's per-site return links into misses.
namespace arch_cap {
constexpr uint64_t kRdclNo = 1ULL << 0;
constexpr uint64_t kSkipL1dFlushVmentry = 1ULL << 3;
constexpr uint64_t kSsbNo = 1ULL << 4;
constexpr uint64_t kMdsNo = 1ULL << 5;
constexpr uint64_t kPschangeMcNo = 1ULL << 6;
constexpr uint64_t kTaaNo = 1ULL << 8;
constexpr uint64_t kSbdrSsdpNo = 1ULL << 13;
constexpr uint64_t kFbsdpNo = 1ULL << 14;
constexpr uint64_t kPsdpNo = 1ULL << 15;
constexpr uint64_t kBhiNo = 1ULL << 20;
constexpr uint64_t kPbrsbNo = 1ULL << 24;
constexpr uint64_t kGdsNo = 1ULL << 26;
constexpr uint64_t kRfdsNo = 1ULL << 27;
constexpr uint64_t kItsNo = 1ULL << 62;
} // namespace arch_cap
constexpr uint64_t kArchCapabilities =
    arch_cap::kRdclNo | arch_cap::kSkipL1dFlushVmentry | arch_cap::kSsbNo | arch_cap::kMdsNo |
    arch_cap::kPschangeMcNo | arch_cap::kTaaNo | arch_cap::kSbdrSsdpNo | arch_cap::kFbsdpNo |
    arch_cap::kPsdpNo | arch_cap::kBhiNo | arch_cap::kPbrsbNo | arch_cap::kGdsNo |
    arch_cap::kRfdsNo | arch_cap::kItsNo;

// IA32_FEATURE_CONTROL: locked, VMX off (Intel SDM Vol. 3C 23.7).
constexpr uint64_t kFeatureControlLocked = 1;

constexpr uint64_t kEferWritable = x86::kEferSce | x86::kEferLme | x86::kEferNxe;

bool canonical(uint64_t address) {
    int64_t const high = static_cast<int64_t>(address) >> (kLinearAddressBits - 1);
    return high == 0 || high == -1;
}

// PAT entries may hold the memory types 0, 1, 4, 5, 6 and 7 (Intel SDM Vol. 3A 11.12.2).
bool valid_pat(uint64_t value) {
    for (unsigned i = 0; i < 8; ++i) {
        uint64_t const type = (value >> (i * 8)) & 0xff;
        if (type == 2 || type == 3 || type > 7)
            return false;
    }
    return true;
}

bool write_efer(Cpu& cpu, uint64_t value) {
    if ((value & ~(kEferWritable | x86::kEferLma)) != 0)
        return false;
    // LME cannot change while paging is on (Intel SDM Vol. 3A 9.8.5).
    if (cpu.paging() && ((value ^ cpu.efer) & x86::kEferLme) != 0)
        return false;
    cpu.efer = (value & kEferWritable) | (cpu.efer & x86::kEferLma);
    cpu.tlb.flush_all(); // NXE changes what the cached translations allow
    cpu.update_mode();
    return true;
}

std::optional<uint64_t> read_mtrr(Cpu& cpu, uint32_t index) {
    if (index == x86::msr::kMtrrCap)
        return 0; // no variable ranges, no fixed ranges, no WC (MTRRs are not advertised)
    if (index == x86::msr::kMtrrDefType)
        return cpu.msr.mtrr_def_type;
    return std::nullopt;
}

} // namespace

uint64_t host_nanoseconds() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<uint64_t>(now.tv_sec) * 1'000'000'000ULL +
           static_cast<uint64_t>(now.tv_nsec);
}

uint64_t read_tsc(Cpu const& cpu) {
    uint64_t const ns = host_nanoseconds();
    uint64_t const ticks =
        static_cast<uint64_t>(static_cast<unsigned __int128>(ns) * kTscHz / 1'000'000'000ULL);
    return ticks + cpu.msr.tsc_offset;
}

std::optional<uint64_t> read_msr(Cpu& cpu, uint32_t index) {
    Msrs const& m = cpu.msr;
    switch (index) {
    case x86::msr::kTsc:
        return read_tsc(cpu);
    case x86::msr::kPlatformId:
        return 0;
    case x86::msr::kApicBase:
        return cpu.apic_base;
    case x86::msr::kFeatureControl:
        return kFeatureControlLocked;
    case x86::msr::kUcodeRev:
        return 0;
    case x86::msr::kArchCapabilities:
        return kArchCapabilities;
    case x86::msr::kSysenterCs:
        return m.sysenter_cs;
    case x86::msr::kSysenterEsp:
        return m.sysenter_esp;
    case x86::msr::kSysenterEip:
        return m.sysenter_eip;
    case x86::msr::kMcgCap:
        return 0;
    case x86::msr::kMcgStatus:
        return 0;
    case x86::msr::kMiscEnable:
        return m.misc_enable;
    case x86::msr::kPat:
        return m.pat;
    case x86::msr::kEfer:
        return cpu.efer;
    case x86::msr::kStar:
        return m.star;
    case x86::msr::kLstar:
        return m.lstar;
    case x86::msr::kCstar:
        return m.cstar;
    case x86::msr::kSfmask:
        return m.sfmask;
    case x86::msr::kFsBase:
        return cpu.seg[kSegFs].base;
    case x86::msr::kGsBase:
        return cpu.seg[kSegGs].base;
    case x86::msr::kKernelGsBase:
        return m.kernel_gs_base;
    case x86::msr::kTscAux:
        return m.tsc_aux;
    default:
        return read_mtrr(cpu, index);
    }
}

bool write_msr(Cpu& cpu, uint32_t index, uint64_t value) {
    Msrs& m = cpu.msr;
    switch (index) {
    case x86::msr::kTsc: {
        // Writing the TSC moves IA32_TSC_ADJUST by the same amount (Intel SDM Vol. 3B 17.17.3).
        uint64_t const now = read_tsc(cpu) - m.tsc_offset;
        uint64_t const offset = value - now;
        m.tsc_adjust += offset - m.tsc_offset;
        m.tsc_offset = offset;
        return true;
    }
    case x86::msr::kTscAdjust:
        m.tsc_offset += value - m.tsc_adjust;
        m.tsc_adjust = value;
        return true;
    case x86::msr::kApicBase:
        // x2APIC mode is not offered (CPUID.1:ECX.x2APIC is clear).
        if ((value & x86::kApicBaseX2Apic) != 0 || (value >> kPhysicalAddressBits) != 0)
            return false;
        cpu.apic_base = value;
        return true;
    case x86::msr::kUcodeRev:
        return true; // Linux writes 0 before reading the revision
    case x86::msr::kSysenterCs:
        m.sysenter_cs = value & 0xffff;
        return true;
    case x86::msr::kSysenterEsp:
        m.sysenter_esp = value;
        return canonical(value);
    case x86::msr::kSysenterEip:
        m.sysenter_eip = value;
        return canonical(value);
    case x86::msr::kMcgStatus:
        return value == 0;
    case x86::msr::kMiscEnable:
        m.misc_enable = value;
        return true;
    case x86::msr::kPat:
        if (!valid_pat(value))
            return false;
        m.pat = value;
        return true;
    case x86::msr::kEfer:
        return write_efer(cpu, value);
    case x86::msr::kStar:
        m.star = value;
        return true;
    case x86::msr::kLstar:
        m.lstar = value;
        return canonical(value);
    case x86::msr::kCstar:
        m.cstar = value;
        return canonical(value);
    case x86::msr::kSfmask:
        m.sfmask = value & 0xffffffff;
        return true;
    case x86::msr::kFsBase:
        if (!canonical(value))
            return false;
        cpu.seg[kSegFs].base = value;
        return true;
    case x86::msr::kGsBase:
        if (!canonical(value))
            return false;
        cpu.seg[kSegGs].base = value;
        return true;
    case x86::msr::kKernelGsBase:
        if (!canonical(value))
            return false;
        m.kernel_gs_base = value;
        return true;
    case x86::msr::kTscAux:
        m.tsc_aux = value & 0xffffffff;
        return (value >> 32) == 0;
    case x86::msr::kMtrrDefType:
        m.mtrr_def_type = value;
        return true;
    default:
        return false;
    }
}

} // namespace vireo::emu
