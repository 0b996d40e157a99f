// MMX: the packed-integer operations of sse_int.h on the eight 64-bit MM registers (which are
// the significands of the x87 registers), MOVD/MOVQ with MM registers, the MMX forms SSE added
// (PSHUFW, PINSRW, PEXTRW, PMOVMSKB, MASKMOVQ, MOVNTQ, PAVG*, PMIN/PMAX*, PSADBW, PMULHUW) and
// EMMS.
#include "emu/handlers.h"
#include "emu/sse_int.h"

namespace vireo::emu::simd {

namespace {

// The 64-bit source of an MMX instruction (PUNPCKL* read only 32 bits of memory).
template <Src S>
uint64_t mmx_source(Cpu& cpu, Insn const& insn) {
    if constexpr (S == Src::Mm)
        return mm(cpu, insn.op[1].reg);
    else if constexpr (S == Src::M32)
        return read_mem<uint32_t>(cpu, linear_address(cpu, insn));
    else
        return read_mem<uint64_t>(cpu, linear_address(cpu, insn));
}

// Writes MM register n after entering MMX state.
void finish(Cpu& cpu, unsigned n, uint64_t value) {
    enter_mmx_state(cpu);
    set_mm(cpu, n, value);
}

template <typename Op, Src S>
void mmx_op(Cpu& cpu, Insn const& insn) {
    check_mmx(cpu);
    Vec const b = from64(mmx_source<S>(cpu, insn));
    unsigned const dst = insn.op[0].reg;
    finish(cpu, dst, low64(apply_mmx<Op>(from64(mm(cpu, dst)), b)));
}

template <typename Op, Src Mem = Src::M64>
void add_mmx(Registry& registry, ZydisMnemonic mnemonic) {
    add<mmx_op<Op, Src::Mm>>(registry, mnemonic, {kMm, kMm});
    add<mmx_op<Op, Mem>>(registry, mnemonic, {kMm, pattern_of(Mem)});
}

template <typename Op>
void mmx_shift_imm(Cpu& cpu, Insn const& insn) {
    check_mmx(cpu);
    unsigned const dst = insn.op[0].reg;
    Vec const count = _mm_cvtsi32_si128(static_cast<int>(insn.imm & 0xff));
    finish(cpu, dst, low64(Op::xmm(from64(mm(cpu, dst)), count)));
}

template <typename Op>
void add_mmx_shift(Registry& registry, ZydisMnemonic mnemonic) {
    add_mmx<Op>(registry, mnemonic);
    add<mmx_shift_imm<Op>>(registry, mnemonic, {kMm, kI});
}

// MOVD/MOVQ mm <- r/m (MOVD zero-extends), r/m <- mm, MOVQ mm <- mm/m64, MOVNTQ.
template <Src S>
void load_mm(Cpu& cpu, Insn const& insn) {
    check_mmx(cpu);
    finish(cpu, insn.op[0].reg, mmx_source<S>(cpu, insn));
}
template <unsigned Size>
void gpr_to_mm(Cpu& cpu, Insn const& insn) {
    check_mmx(cpu);
    finish(cpu, insn.op[0].reg, get_reg<Size>(cpu, insn.op[1].reg));
}
template <unsigned Size>
void mm_to_memory(Cpu& cpu, Insn const& insn) {
    check_mmx(cpu);
    write_sized<Size>(cpu, linear_address(cpu, insn), mm(cpu, insn.op[1].reg));
    enter_mmx_state(cpu);
}
template <unsigned Size>
void mm_to_gpr(Cpu& cpu, Insn const& insn) {
    check_mmx(cpu);
    uint64_t const value = mm(cpu, insn.op[1].reg);
    enter_mmx_state(cpu);
    set_reg<Size>(cpu, insn.op[0].reg, value);
}

// PSHUFW mm, mm/m64, imm8: each word picks one of the source's by a 2-bit field.
template <Src S>
void pshufw(Cpu& cpu, Insn const& insn) {
    check_mmx(cpu);
    uint64_t const in = mmx_source<S>(cpu, insn);
    uint64_t out = 0;
    for (unsigned i = 0; i < 4; ++i) {
        unsigned const from = static_cast<unsigned>(insn.imm >> (2 * i)) & 3;
        out |= ((in >> (16 * from)) & 0xffff) << (16 * i);
    }
    finish(cpu, insn.op[0].reg, out);
}

// PINSRW mm, r32/m16, imm8 and PEXTRW r32, mm, imm8 address word imm8[1:0].
template <bool Memory>
void pinsrw(Cpu& cpu, Insn const& insn) {
    check_mmx(cpu);
    uint64_t const word = Memory ? read_mem<uint16_t>(cpu, linear_address(cpu, insn))
                                 : get_reg<2>(cpu, insn.op[1].reg);
    unsigned const shift = 16 * static_cast<unsigned>(insn.imm & 3);
    unsigned const dst = insn.op[0].reg;
    finish(cpu, dst, (mm(cpu, dst) & ~(0xffffULL << shift)) | (word << shift));
}
void pextrw(Cpu& cpu, Insn const& insn) {
    check_mmx(cpu);
    uint64_t const word = (mm(cpu, insn.op[1].reg) >> (16 * (insn.imm & 3))) & 0xffff;
    enter_mmx_state(cpu);
    set_reg<8>(cpu, insn.op[0].reg, word);
}

void pmovmskb(Cpu& cpu, Insn const& insn) {
    check_mmx(cpu);
    auto const mask = static_cast<unsigned>(_mm_movemask_epi8(from64(mm(cpu, insn.op[1].reg))));
    enter_mmx_state(cpu);
    set_reg<8>(cpu, insn.op[0].reg, mask & 0xff);
}

void maskmovq(Cpu& cpu, Insn const& insn) {
    check_mmx(cpu);
    uint64_t const data = mm(cpu, insn.op[0].reg);
    auto const mask = static_cast<unsigned>(_mm_movemask_epi8(from64(mm(cpu, insn.op[1].reg))));
    uint8_t bytes[8];
    std::memcpy(bytes, &data, 8);
    // The x87-to-MMX transition happens before the store can fault (observed with #AC).
    enter_mmx_state(cpu);
    masked_store(cpu, insn, bytes, mask & 0xff, 8);
}

// EMMS empties every x87 register (Intel SDM Vol. 2A "EMMS"); like the other MMX
// instructions it also makes TOP 0 (observed on hardware).
void emms(Cpu& cpu, Insn const&) {
    check_mmx(cpu);
    enter_mmx_state(cpu);
    cpu.fpu.ftw = 0;
}

void register_mmx_arithmetic(Registry& registry) {
    add_mmx<AddB>(registry, ZYDIS_MNEMONIC_PADDB);
    add_mmx<AddW>(registry, ZYDIS_MNEMONIC_PADDW);
    add_mmx<AddD>(registry, ZYDIS_MNEMONIC_PADDD);
    add_mmx<AddQ>(registry, ZYDIS_MNEMONIC_PADDQ);
    add_mmx<AddSatB>(registry, ZYDIS_MNEMONIC_PADDSB);
    add_mmx<AddSatW>(registry, ZYDIS_MNEMONIC_PADDSW);
    add_mmx<AddSatUB>(registry, ZYDIS_MNEMONIC_PADDUSB);
    add_mmx<AddSatUW>(registry, ZYDIS_MNEMONIC_PADDUSW);
    add_mmx<SubB>(registry, ZYDIS_MNEMONIC_PSUBB);
    add_mmx<SubW>(registry, ZYDIS_MNEMONIC_PSUBW);
    add_mmx<SubD>(registry, ZYDIS_MNEMONIC_PSUBD);
    add_mmx<SubQ>(registry, ZYDIS_MNEMONIC_PSUBQ);
    add_mmx<SubSatB>(registry, ZYDIS_MNEMONIC_PSUBSB);
    add_mmx<SubSatW>(registry, ZYDIS_MNEMONIC_PSUBSW);
    add_mmx<SubSatUB>(registry, ZYDIS_MNEMONIC_PSUBUSB);
    add_mmx<SubSatUW>(registry, ZYDIS_MNEMONIC_PSUBUSW);
    add_mmx<MulLowW>(registry, ZYDIS_MNEMONIC_PMULLW);
    add_mmx<MulHighW>(registry, ZYDIS_MNEMONIC_PMULHW);
    add_mmx<MulHighUW>(registry, ZYDIS_MNEMONIC_PMULHUW);
    add_mmx<MulUDQ>(registry, ZYDIS_MNEMONIC_PMULUDQ);
    add_mmx<MulAddWD>(registry, ZYDIS_MNEMONIC_PMADDWD);
    add_mmx<AvgB>(registry, ZYDIS_MNEMONIC_PAVGB);
    add_mmx<AvgW>(registry, ZYDIS_MNEMONIC_PAVGW);
    add_mmx<MinUB>(registry, ZYDIS_MNEMONIC_PMINUB);
    add_mmx<MaxUB>(registry, ZYDIS_MNEMONIC_PMAXUB);
    add_mmx<MinSW>(registry, ZYDIS_MNEMONIC_PMINSW);
    add_mmx<MaxSW>(registry, ZYDIS_MNEMONIC_PMAXSW);
    add_mmx<SadBW>(registry, ZYDIS_MNEMONIC_PSADBW);
}

void register_mmx_logic_and_layout(Registry& registry) {
    add_mmx<CmpEqB>(registry, ZYDIS_MNEMONIC_PCMPEQB);
    add_mmx<CmpEqW>(registry, ZYDIS_MNEMONIC_PCMPEQW);
    add_mmx<CmpEqD>(registry, ZYDIS_MNEMONIC_PCMPEQD);
    add_mmx<CmpGtB>(registry, ZYDIS_MNEMONIC_PCMPGTB);
    add_mmx<CmpGtW>(registry, ZYDIS_MNEMONIC_PCMPGTW);
    add_mmx<CmpGtD>(registry, ZYDIS_MNEMONIC_PCMPGTD);
    add_mmx<And>(registry, ZYDIS_MNEMONIC_PAND);
    add_mmx<AndNot>(registry, ZYDIS_MNEMONIC_PANDN);
    add_mmx<Or>(registry, ZYDIS_MNEMONIC_POR);
    add_mmx<Xor>(registry, ZYDIS_MNEMONIC_PXOR);
    add_mmx<PackSsWB>(registry, ZYDIS_MNEMONIC_PACKSSWB);
    add_mmx<PackSsDW>(registry, ZYDIS_MNEMONIC_PACKSSDW);
    add_mmx<PackUsWB>(registry, ZYDIS_MNEMONIC_PACKUSWB);
    // PUNPCKL* mm, m32 read only the doubleword they use (Intel SDM Vol. 2B "PUNPCKLBW").
    add_mmx<UnpackLowB, Src::M32>(registry, ZYDIS_MNEMONIC_PUNPCKLBW);
    add_mmx<UnpackLowW, Src::M32>(registry, ZYDIS_MNEMONIC_PUNPCKLWD);
    add_mmx<UnpackLowD, Src::M32>(registry, ZYDIS_MNEMONIC_PUNPCKLDQ);
    add_mmx<UnpackHighB>(registry, ZYDIS_MNEMONIC_PUNPCKHBW);
    add_mmx<UnpackHighW>(registry, ZYDIS_MNEMONIC_PUNPCKHWD);
    add_mmx<UnpackHighD>(registry, ZYDIS_MNEMONIC_PUNPCKHDQ);
    add_mmx_shift<ShlW>(registry, ZYDIS_MNEMONIC_PSLLW);
    add_mmx_shift<ShlD>(registry, ZYDIS_MNEMONIC_PSLLD);
    add_mmx_shift<ShlQ>(registry, ZYDIS_MNEMONIC_PSLLQ);
    add_mmx_shift<ShrW>(registry, ZYDIS_MNEMONIC_PSRLW);
    add_mmx_shift<ShrD>(registry, ZYDIS_MNEMONIC_PSRLD);
    add_mmx_shift<ShrQ>(registry, ZYDIS_MNEMONIC_PSRLQ);
    add_mmx_shift<SarW>(registry, ZYDIS_MNEMONIC_PSRAW);
    add_mmx_shift<SarD>(registry, ZYDIS_MNEMONIC_PSRAD);
}

void register_mmx_moves(Registry& registry) {
    add<gpr_to_mm<4>>(registry, ZYDIS_MNEMONIC_MOVD, {kMm, gpr(4)});
    add<load_mm<Src::M32>>(registry, ZYDIS_MNEMONIC_MOVD, {kMm, mem(4)});
    add<mm_to_gpr<4>>(registry, ZYDIS_MNEMONIC_MOVD, {gpr(4), kMm});
    add<mm_to_memory<4>>(registry, ZYDIS_MNEMONIC_MOVD, {mem(4), kMm});
    add<gpr_to_mm<8>>(registry, ZYDIS_MNEMONIC_MOVQ, {kMm, gpr(8)});
    add<load_mm<Src::M64>>(registry, ZYDIS_MNEMONIC_MOVQ, {kMm, mem(8)});
    add<load_mm<Src::Mm>>(registry, ZYDIS_MNEMONIC_MOVQ, {kMm, kMm});
    add<mm_to_gpr<8>>(registry, ZYDIS_MNEMONIC_MOVQ, {gpr(8), kMm});
    add<mm_to_memory<8>>(registry, ZYDIS_MNEMONIC_MOVQ, {mem(8), kMm});
    add<mm_to_memory<8>>(registry, ZYDIS_MNEMONIC_MOVNTQ, {mem(8), kMm});
    add<pshufw<Src::Mm>>(registry, ZYDIS_MNEMONIC_PSHUFW, {kMm, kMm, kI});
    add<pshufw<Src::M64>>(registry, ZYDIS_MNEMONIC_PSHUFW, {kMm, mem(8), kI});
    add<pinsrw<false>>(registry, ZYDIS_MNEMONIC_PINSRW, {kMm, kR, kI});
    add<pinsrw<true>>(registry, ZYDIS_MNEMONIC_PINSRW, {kMm, mem(2), kI});
    add<pextrw>(registry, ZYDIS_MNEMONIC_PEXTRW, {kR, kMm, kI});
    add<pmovmskb>(registry, ZYDIS_MNEMONIC_PMOVMSKB, {kR, kMm});
    add<maskmovq>(registry, ZYDIS_MNEMONIC_MASKMOVQ, {kMm, kMm});
}

} // namespace

void enter_mmx_state(Cpu& cpu) {
    if (unsigned const top = x87::top(cpu); top != 0)
        x87::rotate(cpu, -static_cast<int>(top));
    cpu.fpu.ftw = 0xff;
}

} // namespace vireo::emu::simd

namespace vireo::emu {

void register_mmx(Registry& registry) {
    simd::register_mmx_arithmetic(registry);
    simd::register_mmx_logic_and_layout(registry);
    simd::register_mmx_moves(registry);
    registry.add<simd::emms>(ZYDIS_MNEMONIC_EMMS, make_form({}));
}

} // namespace vireo::emu
