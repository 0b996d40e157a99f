#include "emu/cpuid.h"

#include <cstring>

namespace vireo::emu {

namespace {

// Leaf 1 EDX (Intel SDM Vol. 2A Table 3-11).
constexpr uint32_t kEdxFpu = 1U << 0;
constexpr uint32_t kEdxDe = 1U << 2;
constexpr uint32_t kEdxPse = 1U << 3;
constexpr uint32_t kEdxTsc = 1U << 4;
constexpr uint32_t kEdxMsr = 1U << 5;
constexpr uint32_t kEdxPae = 1U << 6;
constexpr uint32_t kEdxCx8 = 1U << 8;
constexpr uint32_t kEdxApic = 1U << 9;
constexpr uint32_t kEdxPge = 1U << 13;
constexpr uint32_t kEdxCmov = 1U << 15;
constexpr uint32_t kEdxPat = 1U << 16;
constexpr uint32_t kEdxClflush = 1U << 19;
constexpr uint32_t kEdxMmx = 1U << 23;
constexpr uint32_t kEdxFxsr = 1U << 24;
constexpr uint32_t kEdxSse = 1U << 25;
constexpr uint32_t kEdxSse2 = 1U << 26;
constexpr uint32_t kEdxHtt = 1U << 28;
// Leaf 1 ECX (Intel SDM Vol. 2A Table 3-10).
constexpr uint32_t kEcxCx16 = 1U << 13;
constexpr uint32_t kEcxPopcnt = 1U << 23;
constexpr uint32_t kEcxTscDeadline = 1U << 24;
constexpr uint32_t kEcxHypervisor = 1U << 31;
// Leaf 7 (Intel SDM Vol. 2A Table 3-8).
constexpr uint32_t kLeaf7EbxTscAdjust = 1U << 1;
constexpr uint32_t kLeaf7EbxErms = 1U << 9;
constexpr uint32_t kLeaf7EdxFsrm = 1U << 4;
constexpr uint32_t kLeaf7EdxArchCapabilities = 1U << 29;
// Leaf 0x80000001.
constexpr uint32_t kExtEcxLahf = 1U << 0;
constexpr uint32_t kExtEcxPrefetchw = 1U << 8;
constexpr uint32_t kExtEdxSyscall = 1U << 11;
constexpr uint32_t kExtEdxNx = 1U << 20;
constexpr uint32_t kExtEdxPage1G = 1U << 26;
constexpr uint32_t kExtEdxRdtscp = 1U << 27;
constexpr uint32_t kExtEdxLm = 1U << 29;
// Leaf 0x80000007 EDX: invariant TSC.
constexpr uint32_t kExtEdxInvariantTsc = 1U << 8;

// Family 6, model 0x6a (Ice Lake server), stepping 0: a model whose errata lists Linux
// handles through ARCH_CAPABILITIES rather than by model number.
constexpr uint32_t kSignature = (6U << 8) | (0xaU << 4) | (0x6U << 16);

uint32_t bits_for(unsigned count) {
    uint32_t bits = 0;
    while ((1U << bits) < count)
        ++bits;
    return bits;
}

CpuidResult text(char const* s) {
    CpuidResult r;
    std::memcpy(&r, s, 16);
    return r;
}

CpuidResult topology(Cpu const& cpu, uint32_t subleaf) {
    // Leaf 0xB (Intel SDM Vol. 2A "CPUID" leaf 0BH): one thread per core, N cores.
    unsigned const n = cpu.machine ? cpu.machine->vcpu_count : 1;
    CpuidResult r;
    r.edx = cpu.index;
    if (subleaf == 0) {
        r.eax = 0;
        r.ebx = 1;
        r.ecx = (1U << 8) | subleaf; // level type 1: SMT
    } else if (subleaf == 1) {
        r.eax = bits_for(n);
        r.ebx = n;
        r.ecx = (2U << 8) | subleaf; // level type 2: core
    } else {
        r.ecx = subleaf;
    }
    return r;
}

CpuidResult cache_parameters(Cpu const& cpu, uint32_t subleaf) {
    // Leaf 4: one 32 KiB 8-way L1 data cache and a unified 1 MiB L2 per core; EAX[31:26] is
    // the number of cores in the package minus one.
    unsigned const n = cpu.machine ? cpu.machine->vcpu_count : 1;
    uint32_t const cores = (n - 1) << 26;
    CpuidResult r;
    if (subleaf == 0) {
        r.eax = cores | (1U << 5) | 1U; // level 1, data cache
        r.ebx = (7U << 22) | 63U;       // 8 ways, 64-byte lines
        r.ecx = 63;                     // 64 sets
    } else if (subleaf == 1) {
        r.eax = cores | (2U << 5) | 3U; // level 2, unified
        r.ebx = (15U << 22) | 63U;      // 16 ways, 64-byte lines
        r.ecx = 1023;                   // 1024 sets
    }
    return r;
}

} // namespace

CpuidResult cpuid(Cpu const& cpu, uint32_t leaf, uint32_t subleaf) {
    unsigned const n = cpu.machine ? cpu.machine->vcpu_count : 1;
    CpuidResult r;
    switch (leaf) {
    case 0:
        r = text("\x16\0\0\0GenuntelineI");
        break;
    case 1:
        r.eax = kSignature;
        r.ebx = (cpu.index << 24) | (n << 16) | (8U << 8); // APIC ID, logical CPUs, 64 B lines
        r.ecx = kEcxCx16 | kEcxPopcnt | kEcxTscDeadline | kEcxHypervisor;
        r.edx = kEdxFpu | kEdxDe | kEdxPse | kEdxTsc | kEdxMsr | kEdxPae | kEdxCx8 | kEdxApic |
                kEdxPge | kEdxCmov | kEdxPat | kEdxClflush | kEdxMmx | kEdxFxsr | kEdxSse |
                kEdxSse2 | (n > 1 ? kEdxHtt : 0);
        break;
    case 2:
        r.eax = 1; // no descriptors: leaf 4 describes the caches
        break;
    case 4:
        r = cache_parameters(cpu, subleaf);
        break;
    case 7:
        if (subleaf == 0) {
            // TSC_ADJUST with an invariant TSC lets Linux trust the TSC without the
            // clocksource watchdog, which a slow emulator would trip (arch/x86/kernel/tsc.c).
            r.ebx = kLeaf7EbxErms | kLeaf7EbxTscAdjust;
            r.edx = kLeaf7EdxFsrm | kLeaf7EdxArchCapabilities;
        }
        break;
    case 0xb:
        r = topology(cpu, subleaf);
        break;
    case 0x15:
        r.eax = 1;
        r.ebx = kTscRatio;
        r.ecx = static_cast<uint32_t>(kCrystalHz);
        break;
    case 0x16:
        r.eax = static_cast<uint32_t>(kTscHz / 1'000'000);
        r.ebx = r.eax;
        r.ecx = static_cast<uint32_t>(kCrystalHz / 1'000'000);
        break;
    case 0x40000000:
        r = text("\0\0\0@VireoVireoVi");
        break;
    case 0x80000000:
        r.eax = 0x80000008;
        break;
    case 0x80000001:
        r.ecx = kExtEcxLahf | kExtEcxPrefetchw;
        r.edx = kExtEdxSyscall | kExtEdxNx | kExtEdxPage1G | kExtEdxRdtscp | kExtEdxLm;
        break;
    case 0x80000002:
        r = text("vireo emulated x");
        break;
    case 0x80000003:
        r = text("86-64 CPU\0\0\0\0\0\0\0");
        break;
    case 0x80000007:
        r.edx = kExtEdxInvariantTsc;
        break;
    case 0x80000008:
        r.eax = 42U | (48U << 8); // physical and linear address bits (mmu.h)
        break;
    default:
        break;
    }
    return r;
}

} // namespace vireo::emu
