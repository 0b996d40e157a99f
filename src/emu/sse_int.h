// The packed-integer operations SSE2 (on XMM registers) and MMX (on MM registers) share, as
// functions of 128-bit host vectors. Each is the host's own instruction through its intrinsic.
// An MMX operation is the XMM one on the low 64 bits, except where lanes cross the middle:
// packs and high unpacks say how (`mmx`).
#pragma once

#include <emmintrin.h>

#include "emu/sse_util.h"

namespace vireo::emu::simd {

#define VIREO_SIMD_INT(name, intrinsic)                                                            \
    struct name {                                                                                  \
        static Vec xmm(Vec a, Vec b) { return intrinsic(a, b); }                                   \
    };
VIREO_SIMD_INT(AddB, _mm_add_epi8)
VIREO_SIMD_INT(AddW, _mm_add_epi16)
VIREO_SIMD_INT(AddD, _mm_add_epi32)
VIREO_SIMD_INT(AddQ, _mm_add_epi64)
VIREO_SIMD_INT(AddSatB, _mm_adds_epi8)
VIREO_SIMD_INT(AddSatW, _mm_adds_epi16)
VIREO_SIMD_INT(AddSatUB, _mm_adds_epu8)
VIREO_SIMD_INT(AddSatUW, _mm_adds_epu16)
VIREO_SIMD_INT(SubB, _mm_sub_epi8)
VIREO_SIMD_INT(SubW, _mm_sub_epi16)
VIREO_SIMD_INT(SubD, _mm_sub_epi32)
VIREO_SIMD_INT(SubQ, _mm_sub_epi64)
VIREO_SIMD_INT(SubSatB, _mm_subs_epi8)
VIREO_SIMD_INT(SubSatW, _mm_subs_epi16)
VIREO_SIMD_INT(SubSatUB, _mm_subs_epu8)
VIREO_SIMD_INT(SubSatUW, _mm_subs_epu16)
VIREO_SIMD_INT(MulLowW, _mm_mullo_epi16)
VIREO_SIMD_INT(MulHighW, _mm_mulhi_epi16)
VIREO_SIMD_INT(MulHighUW, _mm_mulhi_epu16)
VIREO_SIMD_INT(MulUDQ, _mm_mul_epu32)
VIREO_SIMD_INT(MulAddWD, _mm_madd_epi16)
VIREO_SIMD_INT(AvgB, _mm_avg_epu8)
VIREO_SIMD_INT(AvgW, _mm_avg_epu16)
VIREO_SIMD_INT(MinUB, _mm_min_epu8)
VIREO_SIMD_INT(MaxUB, _mm_max_epu8)
VIREO_SIMD_INT(MinSW, _mm_min_epi16)
VIREO_SIMD_INT(MaxSW, _mm_max_epi16)
VIREO_SIMD_INT(SadBW, _mm_sad_epu8)
VIREO_SIMD_INT(CmpEqB, _mm_cmpeq_epi8)
VIREO_SIMD_INT(CmpEqW, _mm_cmpeq_epi16)
VIREO_SIMD_INT(CmpEqD, _mm_cmpeq_epi32)
VIREO_SIMD_INT(CmpGtB, _mm_cmpgt_epi8)
VIREO_SIMD_INT(CmpGtW, _mm_cmpgt_epi16)
VIREO_SIMD_INT(CmpGtD, _mm_cmpgt_epi32)
VIREO_SIMD_INT(And, _mm_and_si128)
VIREO_SIMD_INT(AndNot, _mm_andnot_si128) // ~a & b, as PANDN/ANDNPS compute dst = ~dst & src
VIREO_SIMD_INT(Or, _mm_or_si128)
VIREO_SIMD_INT(Xor, _mm_xor_si128)
VIREO_SIMD_INT(UnpackLowB, _mm_unpacklo_epi8)
VIREO_SIMD_INT(UnpackLowW, _mm_unpacklo_epi16)
VIREO_SIMD_INT(UnpackLowD, _mm_unpacklo_epi32)
VIREO_SIMD_INT(UnpackLowQ, _mm_unpacklo_epi64)
VIREO_SIMD_INT(UnpackHighQ, _mm_unpackhi_epi64)
// Shifts by a count in the low 64 bits of b: counts above the element width clear the
// element (or fill it with the sign), exactly as the instruction does.
VIREO_SIMD_INT(ShlW, _mm_sll_epi16)
VIREO_SIMD_INT(ShlD, _mm_sll_epi32)
VIREO_SIMD_INT(ShlQ, _mm_sll_epi64)
VIREO_SIMD_INT(ShrW, _mm_srl_epi16)
VIREO_SIMD_INT(ShrD, _mm_srl_epi32)
VIREO_SIMD_INT(ShrQ, _mm_srl_epi64)
VIREO_SIMD_INT(SarW, _mm_sra_epi16)
VIREO_SIMD_INT(SarD, _mm_sra_epi32)
#undef VIREO_SIMD_INT

// PUNPCKH*: the XMM form interleaves the high quadwords; the MMX form the high doublewords,
// which are the low ones once both operands are shifted right by 32. (Intrinsics cannot be
// template arguments: they have no out-of-line definition.)
#define VIREO_SIMD_UNPACK_HIGH(name, low, high)                                                    \
    struct name {                                                                                  \
        static Vec xmm(Vec a, Vec b) { return high(a, b); }                                        \
        static Vec mmx(Vec a, Vec b) { return low(_mm_srli_epi64(a, 32), _mm_srli_epi64(b, 32)); } \
    };
VIREO_SIMD_UNPACK_HIGH(UnpackHighB, _mm_unpacklo_epi8, _mm_unpackhi_epi8)
VIREO_SIMD_UNPACK_HIGH(UnpackHighW, _mm_unpacklo_epi16, _mm_unpackhi_epi16)
VIREO_SIMD_UNPACK_HIGH(UnpackHighD, _mm_unpacklo_epi32, _mm_unpackhi_epi32)
#undef VIREO_SIMD_UNPACK_HIGH

// PACK*: the destination's elements narrow into the low half, the source's into the high half.
// The MMX form packs two 64-bit operands, so both go into one vector first.
#define VIREO_SIMD_PACK(name, pack)                                                                \
    struct name {                                                                                  \
        static Vec xmm(Vec a, Vec b) { return pack(a, b); }                                        \
        static Vec mmx(Vec a, Vec b) {                                                             \
            Vec const both = _mm_unpacklo_epi64(a, b);                                             \
            return pack(both, both);                                                               \
        }                                                                                          \
    };
VIREO_SIMD_PACK(PackSsWB, _mm_packs_epi16)
VIREO_SIMD_PACK(PackSsDW, _mm_packs_epi32)
VIREO_SIMD_PACK(PackUsWB, _mm_packus_epi16)
#undef VIREO_SIMD_PACK

template <typename Op>
inline Vec apply_mmx(Vec a, Vec b) {
    if constexpr (requires { Op::mmx(a, b); })
        return Op::mmx(a, b);
    else
        return Op::xmm(a, b);
}

} // namespace vireo::emu::simd
