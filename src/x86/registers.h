// Architectural bit definitions for control registers, flags and model-specific registers.
#pragma once

#include <cstdint>

namespace vireo::x86 {

// CR0 (Intel SDM Vol. 3A 2.5, Figure 2-7).
inline constexpr uint64_t kCr0Pe = 1ULL << 0;
inline constexpr uint64_t kCr0Mp = 1ULL << 1;
inline constexpr uint64_t kCr0Em = 1ULL << 2;
inline constexpr uint64_t kCr0Ts = 1ULL << 3;
inline constexpr uint64_t kCr0Et = 1ULL << 4;
inline constexpr uint64_t kCr0Ne = 1ULL << 5;
inline constexpr uint64_t kCr0Wp = 1ULL << 16;
inline constexpr uint64_t kCr0Am = 1ULL << 18;
inline constexpr uint64_t kCr0Nw = 1ULL << 29;
inline constexpr uint64_t kCr0Cd = 1ULL << 30;
inline constexpr uint64_t kCr0Pg = 1ULL << 31;

// CR4 (Intel SDM Vol. 3A 2.5, Figure 2-7).
inline constexpr uint64_t kCr4Vme = 1ULL << 0;
inline constexpr uint64_t kCr4Pvi = 1ULL << 1;
inline constexpr uint64_t kCr4Tsd = 1ULL << 2;
inline constexpr uint64_t kCr4De = 1ULL << 3;
inline constexpr uint64_t kCr4Pse = 1ULL << 4;
inline constexpr uint64_t kCr4Pae = 1ULL << 5;
inline constexpr uint64_t kCr4Mce = 1ULL << 6;
inline constexpr uint64_t kCr4Pge = 1ULL << 7;
inline constexpr uint64_t kCr4Pce = 1ULL << 8;
inline constexpr uint64_t kCr4Osfxsr = 1ULL << 9;
inline constexpr uint64_t kCr4Osxmmexcpt = 1ULL << 10;
inline constexpr uint64_t kCr4Umip = 1ULL << 11;
inline constexpr uint64_t kCr4La57 = 1ULL << 12;
inline constexpr uint64_t kCr4Fsgsbase = 1ULL << 16;
inline constexpr uint64_t kCr4Pcide = 1ULL << 17;
inline constexpr uint64_t kCr4Osxsave = 1ULL << 18;
inline constexpr uint64_t kCr4Smep = 1ULL << 20;
inline constexpr uint64_t kCr4Smap = 1ULL << 21;

// IA32_EFER (Intel SDM Vol. 3A 2.2.1, Table 2-1).
inline constexpr uint64_t kEferSce = 1ULL << 0;
inline constexpr uint64_t kEferLme = 1ULL << 8;
inline constexpr uint64_t kEferLma = 1ULL << 10;
inline constexpr uint64_t kEferNxe = 1ULL << 11;

// RFLAGS (Intel SDM Vol. 1 3.4.3, Figure 3-8).
inline constexpr uint64_t kFlagCf = 1ULL << 0;
inline constexpr uint64_t kFlagReserved1 = 1ULL << 1;
inline constexpr uint64_t kFlagPf = 1ULL << 2;
inline constexpr uint64_t kFlagAf = 1ULL << 4;
inline constexpr uint64_t kFlagZf = 1ULL << 6;
inline constexpr uint64_t kFlagSf = 1ULL << 7;
inline constexpr uint64_t kFlagTf = 1ULL << 8;
inline constexpr uint64_t kFlagIf = 1ULL << 9;
inline constexpr uint64_t kFlagDf = 1ULL << 10;
inline constexpr uint64_t kFlagOf = 1ULL << 11;
inline constexpr uint64_t kFlagIopl = 3ULL << 12;
inline constexpr uint64_t kFlagNt = 1ULL << 14;
inline constexpr uint64_t kFlagRf = 1ULL << 16;
inline constexpr uint64_t kFlagVm = 1ULL << 17;
inline constexpr uint64_t kFlagAc = 1ULL << 18;
inline constexpr uint64_t kFlagVif = 1ULL << 19;
inline constexpr uint64_t kFlagVip = 1ULL << 20;
inline constexpr uint64_t kFlagId = 1ULL << 21;

// Model-specific registers (Intel SDM Vol. 4, Table 2-2).
namespace msr {
inline constexpr uint32_t kTsc = 0x10;
inline constexpr uint32_t kPlatformId = 0x17;
inline constexpr uint32_t kApicBase = 0x1b;
inline constexpr uint32_t kFeatureControl = 0x3a;
inline constexpr uint32_t kTscAdjust = 0x3b;
inline constexpr uint32_t kSpecCtrl = 0x48;
inline constexpr uint32_t kPredCmd = 0x49;
inline constexpr uint32_t kUcodeRev = 0x8b;
inline constexpr uint32_t kMtrrCap = 0xfe;
inline constexpr uint32_t kArchCapabilities = 0x10a;
inline constexpr uint32_t kSysenterCs = 0x174;
inline constexpr uint32_t kSysenterEsp = 0x175;
inline constexpr uint32_t kSysenterEip = 0x176;
inline constexpr uint32_t kMcgCap = 0x179;
inline constexpr uint32_t kMcgStatus = 0x17a;
inline constexpr uint32_t kMiscEnable = 0x1a0;
inline constexpr uint32_t kMtrrPhysBase0 = 0x200;
inline constexpr uint32_t kMtrrFix64k00000 = 0x250;
inline constexpr uint32_t kPat = 0x277;
inline constexpr uint32_t kMtrrDefType = 0x2ff;
inline constexpr uint32_t kTscDeadline = 0x6e0;
inline constexpr uint32_t kX2ApicBase = 0x800; // x2APIC registers 0x800-0x8ff
inline constexpr uint32_t kEfer = 0xc0000080;
inline constexpr uint32_t kStar = 0xc0000081;
inline constexpr uint32_t kLstar = 0xc0000082;
inline constexpr uint32_t kCstar = 0xc0000083;
inline constexpr uint32_t kSfmask = 0xc0000084;
inline constexpr uint32_t kFsBase = 0xc0000100;
inline constexpr uint32_t kGsBase = 0xc0000101;
inline constexpr uint32_t kKernelGsBase = 0xc0000102;
inline constexpr uint32_t kTscAux = 0xc0000103;
} // namespace msr

// IA32_APIC_BASE fields (Intel SDM Vol. 3A 11.4.4, Figure 11-5).
inline constexpr uint64_t kApicBaseBsp = 1ULL << 8;
inline constexpr uint64_t kApicBaseX2Apic = 1ULL << 10;
inline constexpr uint64_t kApicBaseEnable = 1ULL << 11;

// IA32_MISC_ENABLE bits firmware sets (Intel SDM Vol. 4 Table 2-2).
inline constexpr uint64_t kMiscEnableFastStrings = 1ULL << 0;

// Exception vectors (Intel SDM Vol. 3A 6.3.1, Table 6-1).
enum class Vector : uint8_t {
    DivideError = 0,
    Debug = 1,
    Nmi = 2,
    Breakpoint = 3,
    Overflow = 4,
    BoundRange = 5,
    InvalidOpcode = 6,
    DeviceNotAvailable = 7,
    DoubleFault = 8,
    InvalidTss = 10,
    SegmentNotPresent = 11,
    StackFault = 12,
    GeneralProtection = 13,
    PageFault = 14,
    FpuError = 16,
    AlignmentCheck = 17,
    MachineCheck = 18,
    SimdError = 19,
};

} // namespace vireo::x86
