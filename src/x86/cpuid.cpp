#include "x86/cpuid.h"

#include <algorithm>
#include <bit>

namespace vireo::x86 {

namespace {

using namespace cpuid;

constexpr uint32_t kLeafIntelPt = 0x14;
constexpr uint32_t kLeafSgx = 0x12;
constexpr uint32_t kLeafAmx = 0x1d;
constexpr uint32_t kLeafAmxTmul = 0x1e;

// Leaves whose content only makes sense with XSAVE or features the baseline hides.
bool baseline_drops_leaf(uint32_t function) {
    return function == kLeafXsave || function == kLeafIntelPt || function == kLeafSgx ||
           function == kLeafAmx || function == kLeafAmxTmul;
}

void apply_baseline(CpuidEntry& entry) {
    switch (entry.function) {
    case 1:
        entry.ecx &=
            ~(kLeaf1EcxMonitor | kLeaf1EcxVmx | kLeaf1EcxCx16 | kLeaf1EcxPcid | kLeaf1EcxXsave |
              kLeaf1EcxOsxsave | kLeaf1EcxAvx | kLeaf1EcxF16c | kLeaf1EcxFma | kLeaf1EcxRdrand);
        break;
    case 7:
        if (entry.index == 0) {
            entry.ebx &= ~(kLeaf7EbxAvx2 | kLeaf7EbxInvpcid | kLeaf7EbxRtm | kLeaf7EbxHle |
                           kLeaf7EbxMpx | kLeaf7EbxAvx512Mask | kLeaf7EbxRdseed | kLeaf7EbxSgx);
            entry.ecx &= ~(kLeaf7EcxAvx512Mask | kLeaf7EcxPku | kLeaf7EcxLa57 | kLeaf7EcxVaesMask);
            entry.edx &= ~(kLeaf7EdxAvx512Mask | kLeaf7EdxAmxMask);
        } else {
            entry.eax = entry.ebx = entry.ecx = entry.edx = 0;
        }
        break;
    case 0x80000001:
        entry.ecx &= ~kExt1EcxSvm;
        break;
    default:
        break;
    }
}

// Number of APIC ID bits needed to number `count` cores (Intel SDM Vol. 3A 9.9.1).
uint32_t apic_id_bits(unsigned count) {
    return count <= 1 ? 0 : static_cast<uint32_t>(std::bit_width(count - 1));
}

void apply_topology(CpuidEntry& entry, CpuTopology const& topology) {
    uint32_t const apic_id = topology.vcpu_index;
    uint32_t const count = topology.vcpu_count;
    switch (entry.function) {
    case 1:
        // EBX[31:24] initial APIC ID, EBX[23:16] addressable logical processors
        // (Intel SDM Vol. 2A CPUID leaf 01H).
        entry.ebx = (entry.ebx & 0x0000ffffU) | (apic_id << 24) | ((count & 0xff) << 16);
        entry.ecx |= kLeaf1EcxHypervisor;
        if (count > 1)
            entry.edx |= kLeaf1EdxHtt;
        else
            entry.edx &= ~kLeaf1EdxHtt;
        break;
    case kLeafCacheParameters:
        // EAX[31:26] cores per package - 1; EAX[25:14] logical processors sharing the cache - 1:
        // every vCPU has private L1/L2, the last level (type 3) is shared by all.
        if ((entry.eax & 0x1f) != 0) {
            uint32_t const level = (entry.eax >> 5) & 0x7;
            uint32_t const sharing = level >= 3 ? count - 1 : 0;
            entry.eax = (entry.eax & 0x3fff) | ((sharing & 0xfff) << 14) | ((count - 1) << 26);
        }
        break;
    case kLeafExtendedTopology:
    case kLeafV2ExtendedTopology: {
        // Intel SDM Vol. 2A CPUID leaf 0BH: level 0 is SMT (one thread per core), level 1 the
        // cores of the package.
        constexpr uint32_t kLevelSmt = 1, kLevelCore = 2;
        entry.edx = apic_id;
        if (entry.index == 0) {
            entry.eax = 0;
            entry.ebx = 1;
            entry.ecx = (kLevelSmt << 8) | entry.index;
        } else if (entry.index == 1) {
            entry.eax = apic_id_bits(count);
            entry.ebx = count;
            entry.ecx = (kLevelCore << 8) | entry.index;
        } else {
            entry.eax = entry.ebx = 0;
            entry.ecx = entry.index;
        }
        break;
    }
    case 0x80000001:
        // CmpLegacy: the "HTT" count in leaf 1 means cores (AMD APM Vol. 3 E.4.2).
        if (count > 1)
            entry.ecx |= kExt1EcxCmpLegacy;
        else
            entry.ecx &= ~kExt1EcxCmpLegacy;
        break;
    case kLeafAmdCoreCount:
        // ECX[15:12] ApicIdSize, ECX[7:0] NC = cores - 1 (AMD APM Vol. 3 E.4.7).
        entry.ecx = (entry.ecx & ~0xf0ffU) | (apic_id_bits(count) << 12) | ((count - 1) & 0xff);
        break;
    case kLeafAmdExtendedApicId:
        // EAX extended APIC ID, EBX[7:0] core ID with one thread per core (AMD APM Vol. 3 E.4.15).
        entry.eax = apic_id;
        entry.ebx = apic_id & 0xff;
        entry.ecx = 0;
        break;
    default:
        break;
    }
}

} // namespace

Result<CpuProfile> parse_cpu_profile(std::string_view name) {
    if (name == "host")
        return CpuProfile::Host;
    if (name == "baseline")
        return CpuProfile::Baseline;
    return make_error("unknown CPU profile '{}' (known: host, baseline)", name);
}

std::string_view cpu_profile_name(CpuProfile profile) {
    return profile == CpuProfile::Host ? "host" : "baseline";
}

std::vector<CpuidEntry> apply_cpu_profile(std::span<CpuidEntry const> supported, CpuProfile profile,
                                          CpuTopology const& topology) {
    std::vector<CpuidEntry> result;
    result.reserve(supported.size());
    for (auto entry : supported) {
        if (profile == CpuProfile::Baseline) {
            if (baseline_drops_leaf(entry.function))
                continue;
            apply_baseline(entry);
        }
        apply_topology(entry, topology);
        result.push_back(entry);
    }
    return result;
}

CpuidEntry const* find_cpuid(std::span<CpuidEntry const> entries, uint32_t function,
                             uint32_t index) {
    auto it = std::find_if(entries.begin(), entries.end(), [&](CpuidEntry const& entry) {
        return entry.function == function && (!entry.indexed || entry.index == index);
    });
    return it == entries.end() ? nullptr : &*it;
}

} // namespace vireo::x86
