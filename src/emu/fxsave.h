// The x87/MMX/SSE register state, kept in the exact layout FXSAVE writes to memory (Intel SDM
// Vol. 1 10.5.1, Table 10-2), so FXSAVE/FXRSTOR are plain copies and the x87/SSE handlers
// (exec_x87*.cpp, exec_sse*.cpp) read and write the registers in place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace vireo::emu {

struct alignas(16) Reg128 {
    uint64_t lo = 0;
    uint64_t hi = 0;
};

struct alignas(16) FxsaveArea {
    uint16_t fcw = 0x37f; // x87 control word after FNINIT (Intel SDM Vol. 1 8.1.5)
    uint16_t fsw = 0;
    uint8_t ftw = 0; // abridged tag word: one bit per register, 1 = valid
    uint8_t reserved1 = 0;
    uint16_t fop = 0;
    uint64_t fip = 0;
    uint64_t fdp = 0;
    uint32_t mxcsr = 0x1f80; // all SIMD exceptions masked at reset (Intel SDM Vol. 1 10.2.3)
    uint32_t mxcsr_mask = 0xffff;
    // ST0-ST7 (or MM0-MM7 in their low 64 bits): 80-bit values in 16-byte slots.
    Reg128 st[8];
    Reg128 xmm[16];
    uint8_t reserved2[96] = {};
};
static_assert(sizeof(FxsaveArea) == 512, "FXSAVE area is 512 bytes (Intel SDM Vol. 1 10.5.1)");
static_assert(offsetof(FxsaveArea, mxcsr) == 24);
static_assert(offsetof(FxsaveArea, st) == 32);
static_assert(offsetof(FxsaveArea, xmm) == 160);

// MXCSR bits a guest may set: everything but the reserved high half and DAZ is supported.
inline constexpr uint32_t kMxcsrMask = 0xffff;

} // namespace vireo::emu
