// CPUID tables and the named CPU profiles that filter them (the vCPU model a guest sees).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vireo::x86 {

struct CpuidEntry {
    uint32_t function = 0;
    uint32_t index = 0;
    bool indexed = false; // the leaf depends on ECX (KVM_CPUID_FLAG_SIGNIFCANT_INDEX)
    uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
};

enum class CpuProfile {
    // Everything the accelerator supports, passed through.
    Host,
    // A conservative x86-64 model without the features a nested or instruction-emulating
    // host cannot run (host.md: CMPXCHG16B and XSAVE fail under kvm_pvm's emulator), nor ones
    // that tie a guest to one host (AVX-512, PCID, RDRAND, TSX).
    Baseline,
};

Result<CpuProfile> parse_cpu_profile(std::string_view name);
std::string_view cpu_profile_name(CpuProfile profile);

struct CpuTopology {
    unsigned vcpu_index = 0; // becomes the initial APIC ID
    unsigned vcpu_count = 1; // one package, one core per vCPU, one thread per core
};

// Applies a profile to the CPUID entries an accelerator supports and fills in the
// per-vCPU topology fields. Pure function: unit tests drive it with synthetic tables.
std::vector<CpuidEntry> apply_cpu_profile(std::span<CpuidEntry const> supported, CpuProfile profile,
                                          CpuTopology const& topology);

CpuidEntry const* find_cpuid(std::span<CpuidEntry const> entries, uint32_t function,
                             uint32_t index = 0);

// Feature bits (Intel SDM Vol. 2A CPUID, Tables 3-10/3-11 for leaf 1; leaf 7 Table 3-8;
// AMD APM Vol. 3 E.4 for the extended leaves).
namespace cpuid {
inline constexpr uint32_t kLeaf1EcxSse3 = 1U << 0;
inline constexpr uint32_t kLeaf1EcxPclmul = 1U << 1;
inline constexpr uint32_t kLeaf1EcxMonitor = 1U << 3;
inline constexpr uint32_t kLeaf1EcxVmx = 1U << 5;
inline constexpr uint32_t kLeaf1EcxSsse3 = 1U << 9;
inline constexpr uint32_t kLeaf1EcxFma = 1U << 12;
inline constexpr uint32_t kLeaf1EcxCx16 = 1U << 13;
inline constexpr uint32_t kLeaf1EcxPcid = 1U << 17;
inline constexpr uint32_t kLeaf1EcxSse41 = 1U << 19;
inline constexpr uint32_t kLeaf1EcxSse42 = 1U << 20;
inline constexpr uint32_t kLeaf1EcxX2Apic = 1U << 21;
inline constexpr uint32_t kLeaf1EcxMovbe = 1U << 22;
inline constexpr uint32_t kLeaf1EcxPopcnt = 1U << 23;
inline constexpr uint32_t kLeaf1EcxTscDeadline = 1U << 24;
inline constexpr uint32_t kLeaf1EcxAes = 1U << 25;
inline constexpr uint32_t kLeaf1EcxXsave = 1U << 26;
inline constexpr uint32_t kLeaf1EcxOsxsave = 1U << 27;
inline constexpr uint32_t kLeaf1EcxAvx = 1U << 28;
inline constexpr uint32_t kLeaf1EcxF16c = 1U << 29;
inline constexpr uint32_t kLeaf1EcxRdrand = 1U << 30;
inline constexpr uint32_t kLeaf1EcxHypervisor = 1U << 31;
inline constexpr uint32_t kLeaf1EdxHtt = 1U << 28;

inline constexpr uint32_t kLeaf7EbxFsgsbase = 1U << 0;
inline constexpr uint32_t kLeaf7EbxAvx2 = 1U << 5;
inline constexpr uint32_t kLeaf7EbxInvpcid = 1U << 10;
inline constexpr uint32_t kLeaf7EbxRtm = 1U << 11;
inline constexpr uint32_t kLeaf7EbxHle = 1U << 4;
inline constexpr uint32_t kLeaf7EbxMpx = 1U << 14;
inline constexpr uint32_t kLeaf7EbxAvx512Mask = 0xdc230000U; // AVX512F/DQ/IFMA/PF/ER/CD/BW/VL
inline constexpr uint32_t kLeaf7EbxRdseed = 1U << 18;
inline constexpr uint32_t kLeaf7EbxSgx = 1U << 2;
inline constexpr uint32_t kLeaf7EcxAvx512Mask = 0x00005842U; // VBMI/VBMI2/VNNI/BITALG/VPOPCNTDQ
inline constexpr uint32_t kLeaf7EcxPku = 1U << 3;
inline constexpr uint32_t kLeaf7EcxLa57 = 1U << 16;
inline constexpr uint32_t kLeaf7EcxVaesMask = (1U << 9) | (1U << 10); // VAES, VPCLMULQDQ
inline constexpr uint32_t kLeaf7EdxAvx512Mask = 0x0080010cU; // 4VNNIW/4FMAPS/VP2INTERSECT/FP16
inline constexpr uint32_t kLeaf7EdxAmxMask = (1U << 22) | (1U << 24) | (1U << 25);

inline constexpr uint32_t kExt1EcxSvm = 1U << 2;
inline constexpr uint32_t kExt1EcxCmpLegacy = 1U << 1;
inline constexpr uint32_t kExt1EcxTopoext = 1U << 22;

inline constexpr uint32_t kLeafXsave = 0xd;
inline constexpr uint32_t kLeafExtendedTopology = 0xb;
inline constexpr uint32_t kLeafV2ExtendedTopology = 0x1f;
inline constexpr uint32_t kLeafCacheParameters = 0x4;
inline constexpr uint32_t kLeafAmdCoreCount = 0x80000008;
inline constexpr uint32_t kLeafAmdExtendedApicId = 0x8000001e;
} // namespace cpuid

} // namespace vireo::x86
