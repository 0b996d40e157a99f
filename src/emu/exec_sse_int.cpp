// SSE2 packed integers on XMM registers: add/subtract (wrapping and saturating), multiplies,
// averages, min/max, PSADBW, compares, logic (also ANDPS..XORPD, which are the same bits),
// packs and unpacks (also UNPCKLPS..UNPCKHPD), and the shifts by XMM, by immediate and by bytes
// (PSLLDQ/PSRLDQ). One handler per operation and source form, with no decoding at run time: glibc's
// string functions live on PCMPEQB, PMINUB, PXOR, POR and PAND.
#include <algorithm>

#include "emu/sse_int.h"

namespace vireo::emu::simd {

namespace {

template <typename Op, Src S>
void int_op(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    Vec const b = source<S>(cpu, insn);
    unsigned const dst = insn.op[0].reg;
    set_xmm(cpu, dst, Op::xmm(xmm(cpu, dst), b));
}

template <typename Op>
void add_int(Registry& registry, ZydisMnemonic mnemonic) {
    add<int_op<Op, Src::Xmm>>(registry, mnemonic, {kX, kX});
    add<int_op<Op, Src::M128>>(registry, mnemonic, {kX, mem(16)});
}

// PSLLW/PSRLW/PSRAW... xmm, imm8: the count is the unsigned immediate.
template <typename Op>
void shift_imm(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    unsigned const dst = insn.op[0].reg;
    Vec const count = _mm_cvtsi32_si128(static_cast<int>(insn.imm & 0xff));
    set_xmm(cpu, dst, Op::xmm(xmm(cpu, dst), count));
}

template <typename Op>
void add_shift(Registry& registry, ZydisMnemonic mnemonic) {
    add_int<Op>(registry, mnemonic);
    add<shift_imm<Op>>(registry, mnemonic, {kX, kI});
}

// PSLLDQ/PSRLDQ shift the whole register by imm8 bytes; counts above 15 clear it (Intel SDM
// Vol. 2B "PSLLDQ"). The shift is a load at an offset into a zero-padded copy.
enum class Direction : uint8_t { Left, Right };
template <Direction D>
void byte_shift(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    unsigned const dst = insn.op[0].reg;
    unsigned const count = std::min<unsigned>(static_cast<unsigned>(insn.imm & 0xff), 16);
    uint8_t padded[48] = {};
    _mm_storeu_si128(reinterpret_cast<Vec*>(padded + 16), xmm(cpu, dst));
    uint8_t const* from = D == Direction::Left ? padded + 16 - count : padded + 16 + count;
    set_xmm(cpu, dst, _mm_loadu_si128(reinterpret_cast<Vec const*>(from)));
}

} // namespace

void register_sse_int(Registry& registry) {
    add_int<AddB>(registry, ZYDIS_MNEMONIC_PADDB);
    add_int<AddW>(registry, ZYDIS_MNEMONIC_PADDW);
    add_int<AddD>(registry, ZYDIS_MNEMONIC_PADDD);
    add_int<AddQ>(registry, ZYDIS_MNEMONIC_PADDQ);
    add_int<AddSatB>(registry, ZYDIS_MNEMONIC_PADDSB);
    add_int<AddSatW>(registry, ZYDIS_MNEMONIC_PADDSW);
    add_int<AddSatUB>(registry, ZYDIS_MNEMONIC_PADDUSB);
    add_int<AddSatUW>(registry, ZYDIS_MNEMONIC_PADDUSW);
    add_int<SubB>(registry, ZYDIS_MNEMONIC_PSUBB);
    add_int<SubW>(registry, ZYDIS_MNEMONIC_PSUBW);
    add_int<SubD>(registry, ZYDIS_MNEMONIC_PSUBD);
    add_int<SubQ>(registry, ZYDIS_MNEMONIC_PSUBQ);
    add_int<SubSatB>(registry, ZYDIS_MNEMONIC_PSUBSB);
    add_int<SubSatW>(registry, ZYDIS_MNEMONIC_PSUBSW);
    add_int<SubSatUB>(registry, ZYDIS_MNEMONIC_PSUBUSB);
    add_int<SubSatUW>(registry, ZYDIS_MNEMONIC_PSUBUSW);
    add_int<MulLowW>(registry, ZYDIS_MNEMONIC_PMULLW);
    add_int<MulHighW>(registry, ZYDIS_MNEMONIC_PMULHW);
    add_int<MulHighUW>(registry, ZYDIS_MNEMONIC_PMULHUW);
    add_int<MulUDQ>(registry, ZYDIS_MNEMONIC_PMULUDQ);
    add_int<MulAddWD>(registry, ZYDIS_MNEMONIC_PMADDWD);
    add_int<AvgB>(registry, ZYDIS_MNEMONIC_PAVGB);
    add_int<AvgW>(registry, ZYDIS_MNEMONIC_PAVGW);
    add_int<MinUB>(registry, ZYDIS_MNEMONIC_PMINUB);
    add_int<MaxUB>(registry, ZYDIS_MNEMONIC_PMAXUB);
    add_int<MinSW>(registry, ZYDIS_MNEMONIC_PMINSW);
    add_int<MaxSW>(registry, ZYDIS_MNEMONIC_PMAXSW);
    add_int<SadBW>(registry, ZYDIS_MNEMONIC_PSADBW);
    add_int<CmpEqB>(registry, ZYDIS_MNEMONIC_PCMPEQB);
    add_int<CmpEqW>(registry, ZYDIS_MNEMONIC_PCMPEQW);
    add_int<CmpEqD>(registry, ZYDIS_MNEMONIC_PCMPEQD);
    add_int<CmpGtB>(registry, ZYDIS_MNEMONIC_PCMPGTB);
    add_int<CmpGtW>(registry, ZYDIS_MNEMONIC_PCMPGTW);
    add_int<CmpGtD>(registry, ZYDIS_MNEMONIC_PCMPGTD);
    for (ZydisMnemonic const m : {ZYDIS_MNEMONIC_PAND, ZYDIS_MNEMONIC_ANDPS, ZYDIS_MNEMONIC_ANDPD})
        add_int<And>(registry, m);
    for (ZydisMnemonic const m :
         {ZYDIS_MNEMONIC_PANDN, ZYDIS_MNEMONIC_ANDNPS, ZYDIS_MNEMONIC_ANDNPD})
        add_int<AndNot>(registry, m);
    for (ZydisMnemonic const m : {ZYDIS_MNEMONIC_POR, ZYDIS_MNEMONIC_ORPS, ZYDIS_MNEMONIC_ORPD})
        add_int<Or>(registry, m);
    for (ZydisMnemonic const m : {ZYDIS_MNEMONIC_PXOR, ZYDIS_MNEMONIC_XORPS, ZYDIS_MNEMONIC_XORPD})
        add_int<Xor>(registry, m);
    add_int<PackSsWB>(registry, ZYDIS_MNEMONIC_PACKSSWB);
    add_int<PackSsDW>(registry, ZYDIS_MNEMONIC_PACKSSDW);
    add_int<PackUsWB>(registry, ZYDIS_MNEMONIC_PACKUSWB);
    add_int<UnpackLowB>(registry, ZYDIS_MNEMONIC_PUNPCKLBW);
    add_int<UnpackLowW>(registry, ZYDIS_MNEMONIC_PUNPCKLWD);
    add_int<UnpackLowD>(registry, ZYDIS_MNEMONIC_PUNPCKLDQ);
    add_int<UnpackLowQ>(registry, ZYDIS_MNEMONIC_PUNPCKLQDQ);
    add_int<UnpackHighB>(registry, ZYDIS_MNEMONIC_PUNPCKHBW);
    add_int<UnpackHighW>(registry, ZYDIS_MNEMONIC_PUNPCKHWD);
    add_int<UnpackHighD>(registry, ZYDIS_MNEMONIC_PUNPCKHDQ);
    add_int<UnpackHighQ>(registry, ZYDIS_MNEMONIC_PUNPCKHQDQ);
    add_int<UnpackLowD>(registry, ZYDIS_MNEMONIC_UNPCKLPS);
    add_int<UnpackHighD>(registry, ZYDIS_MNEMONIC_UNPCKHPS);
    add_int<UnpackLowQ>(registry, ZYDIS_MNEMONIC_UNPCKLPD);
    add_int<UnpackHighQ>(registry, ZYDIS_MNEMONIC_UNPCKHPD);
    add_shift<ShlW>(registry, ZYDIS_MNEMONIC_PSLLW);
    add_shift<ShlD>(registry, ZYDIS_MNEMONIC_PSLLD);
    add_shift<ShlQ>(registry, ZYDIS_MNEMONIC_PSLLQ);
    add_shift<ShrW>(registry, ZYDIS_MNEMONIC_PSRLW);
    add_shift<ShrD>(registry, ZYDIS_MNEMONIC_PSRLD);
    add_shift<ShrQ>(registry, ZYDIS_MNEMONIC_PSRLQ);
    add_shift<SarW>(registry, ZYDIS_MNEMONIC_PSRAW);
    add_shift<SarD>(registry, ZYDIS_MNEMONIC_PSRAD);
    add<byte_shift<Direction::Left>>(registry, ZYDIS_MNEMONIC_PSLLDQ, {kX, kI});
    add<byte_shift<Direction::Right>>(registry, ZYDIS_MNEMONIC_PSRLDQ, {kX, kI});
}

} // namespace vireo::emu::simd
