// SSE, SSE2 and MMX templates: every instruction of those extensions in vireo's CPUID
// profile (src/emu/cpuid.cpp: MMX, SSE, SSE2, FXSR), in register and memory forms. Table rows
// give the memory operand's size; legacy SSE instructions with a 16-byte memory operand
// require it aligned (Intel SDM Vol. 1 10.4.1.1), except the ones marked kUnaligned.
#include "templates.h"

namespace vireo::difftest {

namespace {

enum SimdOption : uint8_t {
    kUnaligned = 1 << 0, // a 16-byte memory operand that need not be aligned
    kMemOnly = 1 << 1,   // no register form (MOVLPS, MOVHPD...)
    kRegOnly = 1 << 2,   // no memory form (MOVHLPS, MOVMSKPS...)
    kImm3 = 1 << 3,      // the immediate is a 3-bit predicate (CMPPS...)
    kImm = 1 << 4,       // takes an imm8
};

MemRequest simd_memory(Template const& t, MemUse use) {
    unsigned const align = t.sizes == 16 && (t.option & kUnaligned) == 0 ? 16 : 1;
    return {t.sizes, align, use};
}

int64_t simd_immediate(Builder& b, Template const& t) {
    return static_cast<int64_t>(b.rng().below((t.option & kImm3) ? 8 : 256));
}

// A source operand: a register of `kind` (xmm, mmx, or a GPR of `gpr_bytes`), or memory.
ZydisEncoderOperand source(Builder& b, Template const& t, ZydisRegister(kind)(unsigned)) {
    bool const memory = (t.option & kMemOnly) || ((t.option & kRegOnly) == 0 && b.rng().chance(40));
    if (memory)
        return b.memory(simd_memory(t, MemUse::Load));
    return reg(kind(static_cast<unsigned>(b.rng().below(16))));
}

void emit_with_immediate(Builder& b, Template const& t, ZydisEncoderOperand dest,
                         ZydisEncoderOperand src) {
    if (t.option & (kImm | kImm3))
        b.emit(make_request(t.mnemonic, {dest, src, imm(simd_immediate(b, t))}));
    else
        b.emit(make_request(t.mnemonic, {dest, src}));
}

// op xmm, xmm/m
void xmm_rm(Builder& b, Template const& t) {
    ZydisEncoderOperand const src = source(b, t, xmm);
    emit_with_immediate(b, t, reg(xmm(static_cast<unsigned>(b.rng().below(16)))), src);
}

// op mm, mm/m
void mm_rm(Builder& b, Template const& t) {
    ZydisEncoderOperand const src = source(b, t, mmx);
    emit_with_immediate(b, t, reg(mmx(static_cast<unsigned>(b.rng().below(8)))), src);
}

// op m, xmm (stores)
void store_xmm(Builder& b, Template const& t) {
    b.emit(make_request(t.mnemonic, {b.memory(simd_memory(t, MemUse::Store)),
                                     reg(xmm(static_cast<unsigned>(b.rng().below(16))))}));
}

void store_mm(Builder& b, Template const& t) {
    b.emit(make_request(t.mnemonic, {b.memory(simd_memory(t, MemUse::Store)),
                                     reg(mmx(static_cast<unsigned>(b.rng().below(8))))}));
}

// Shifts by an immediate: op xmm, imm8 / op mm, imm8.
void xmm_imm(Builder& b, Template const& t) {
    b.emit(make_request(t.mnemonic, {reg(xmm(static_cast<unsigned>(b.rng().below(16)))),
                                     imm(static_cast<int64_t>(b.rng().below(80)))}));
}

void mm_imm(Builder& b, Template const& t) {
    b.emit(make_request(t.mnemonic, {reg(mmx(static_cast<unsigned>(b.rng().below(8)))),
                                     imm(static_cast<int64_t>(b.rng().below(80)))}));
}

// op xmm|mm, r/m32|64 (CVTSI2SS, MOVD, MOVQ, PINSRW: the GPR width is t.option's kS*).
ZydisEncoderOperand gpr_source(Builder& b, Template const& t) {
    unsigned const bytes = t.sizes;
    if (b.rng().chance(40))
        return b.memory({bytes, 1, MemUse::Load});
    return reg(gpr(b.pick_source(), bytes == 2 ? 4 : bytes));
}

void xmm_gpr(Builder& b, Template const& t) {
    ZydisEncoderOperand const src = gpr_source(b, t);
    emit_with_immediate(b, t, reg(xmm(static_cast<unsigned>(b.rng().below(16)))), src);
}

void mm_gpr(Builder& b, Template const& t) {
    ZydisEncoderOperand const src = gpr_source(b, t);
    emit_with_immediate(b, t, reg(mmx(static_cast<unsigned>(b.rng().below(8)))), src);
}

// op r32|64, xmm/m (CVTSS2SI...) or op r32, xmm (MOVMSKPS, PMOVMSKB, PEXTRW): the GPR width
// is 4 or 8 at random unless kRegOnly (then 4).
void gpr_xmm(Builder& b, Template const& t) {
    unsigned const width = (t.option & kRegOnly) || b.rng().chance(50) ? 4 : 8;
    ZydisEncoderOperand const src = source(b, t, xmm);
    emit_with_immediate(b, t, reg(gpr(b.pick_dest(), width)), src);
}

void gpr_mm(Builder& b, Template const& t) {
    ZydisEncoderOperand const src = reg(mmx(static_cast<unsigned>(b.rng().below(8))));
    emit_with_immediate(b, t, reg(gpr(b.pick_dest(), 4)), src);
}

// MOVD/MOVQ r/m, xmm|mm: to a register or memory of t.sizes bytes.
void gpr_store(Builder& b, Template const& t, ZydisRegister from) {
    ZydisEncoderOperand const dest = b.rng().chance(50) ? reg(gpr(b.pick_dest(), t.sizes))
                                                        : b.memory({t.sizes, 1, MemUse::Store});
    b.emit(make_request(t.mnemonic, {dest, reg(from)}));
}

void store_from_xmm(Builder& b, Template const& t) {
    gpr_store(b, t, xmm(static_cast<unsigned>(b.rng().below(16))));
}

void store_from_mm(Builder& b, Template const& t) {
    gpr_store(b, t, mmx(static_cast<unsigned>(b.rng().below(8))));
}

// op mm, xmm/m (CVTPS2PI, MOVDQ2Q) and op xmm, mm/m (CVTPI2PS, MOVQ2DQ).
void mm_xmm(Builder& b, Template const& t) {
    ZydisEncoderOperand const src = source(b, t, xmm);
    b.emit(make_request(t.mnemonic, {reg(mmx(static_cast<unsigned>(b.rng().below(8)))), src}));
}

void xmm_mm(Builder& b, Template const& t) {
    ZydisEncoderOperand const src = source(b, t, mmx);
    b.emit(make_request(t.mnemonic, {reg(xmm(static_cast<unsigned>(b.rng().below(16)))), src}));
}

// MASKMOVQ / MASKMOVDQU: a byte-masked store to [RDI].
void masked_store(Builder& b, Template const& t) {
    b.reserve(7);
    b.set_register(7, b.buffer_address(0, 16));
    bool const wide = t.mnemonic == ZYDIS_MNEMONIC_MASKMOVDQU;
    unsigned const count = wide ? 16 : 8;
    auto const pick = [&b, count] {
        return static_cast<unsigned>(b.rng().below(count));
    };
    ZydisRegister (*kind)(unsigned) = wide ? xmm : mmx;
    b.emit(make_request(t.mnemonic, {reg(kind(pick())), reg(kind(pick()))}));
}

// MOVNTI m32/m64, r.
void store_gpr(Builder& b, Template const& t) {
    unsigned const width = b.rng().chance(50) ? 4 : 8;
    b.emit(make_request(t.mnemonic,
                        {b.memory({width, 1, MemUse::Store}), reg(gpr(b.pick_source(), width))}));
}

// Prefetches (m8) and CLFLUSH (Zydis gives its operand the size of a cache line).
void byte_memory(Builder& b, Template const& t) {
    unsigned const bytes = t.sizes != 0 ? t.sizes : 1;
    b.emit(make_request(t.mnemonic, {b.memory({bytes, 1, MemUse::Load})}));
}

void no_operands(Builder& b, Template const& t) {
    b.emit(make_request(t.mnemonic, {}));
}

// RCPPS/RSQRTPS and their scalar forms return approximations whose bits are model-specific
// (Intel SDM Vol. 2B "RCPPS": relative error <= 1.5 * 2^-12): the result is overwritten
// right away, so only the instruction's existence, faults and operand handling are compared.
void approximate(Builder& b, Template const& t) {
    auto const dest = static_cast<unsigned>(b.rng().below(16));
    b.emit(make_request(t.mnemonic, {reg(xmm(dest)), source(b, t, xmm)}));
    b.emit(make_request(ZYDIS_MNEMONIC_XORPS, {reg(xmm(dest)), reg(xmm(dest))}));
}

constexpr InsnClass S = InsnClass::Sse;
constexpr InsnClass S2 = InsnClass::Sse2;
constexpr InsnClass M = InsnClass::Mmx;

constexpr Template kTemplates[] = {
    // SSE: packed and scalar single precision
    {S, xmm_rm, ZYDIS_MNEMONIC_ADDPS, 16},
    {S, xmm_rm, ZYDIS_MNEMONIC_ADDSS, 4},
    {S, xmm_rm, ZYDIS_MNEMONIC_SUBPS, 16},
    {S, xmm_rm, ZYDIS_MNEMONIC_SUBSS, 4},
    {S, xmm_rm, ZYDIS_MNEMONIC_MULPS, 16},
    {S, xmm_rm, ZYDIS_MNEMONIC_MULSS, 4},
    {S, xmm_rm, ZYDIS_MNEMONIC_DIVPS, 16},
    {S, xmm_rm, ZYDIS_MNEMONIC_DIVSS, 4},
    {S, xmm_rm, ZYDIS_MNEMONIC_MINPS, 16},
    {S, xmm_rm, ZYDIS_MNEMONIC_MINSS, 4},
    {S, xmm_rm, ZYDIS_MNEMONIC_MAXPS, 16},
    {S, xmm_rm, ZYDIS_MNEMONIC_MAXSS, 4},
    {S, xmm_rm, ZYDIS_MNEMONIC_SQRTPS, 16},
    {S, xmm_rm, ZYDIS_MNEMONIC_SQRTSS, 4},
    {S, approximate, ZYDIS_MNEMONIC_RCPPS, 16},
    {S, approximate, ZYDIS_MNEMONIC_RCPSS, 4},
    {S, approximate, ZYDIS_MNEMONIC_RSQRTPS, 16},
    {S, approximate, ZYDIS_MNEMONIC_RSQRTSS, 4},
    {S, xmm_rm, ZYDIS_MNEMONIC_ANDPS, 16},
    {S, xmm_rm, ZYDIS_MNEMONIC_ANDNPS, 16},
    {S, xmm_rm, ZYDIS_MNEMONIC_ORPS, 16},
    {S, xmm_rm, ZYDIS_MNEMONIC_XORPS, 16},
    {S, xmm_rm, ZYDIS_MNEMONIC_UNPCKLPS, 16},
    {S, xmm_rm, ZYDIS_MNEMONIC_UNPCKHPS, 16},
    {S, xmm_rm, ZYDIS_MNEMONIC_CMPPS, 16, kImm3},
    {S, xmm_rm, ZYDIS_MNEMONIC_CMPSS, 4, kImm3},
    {S, xmm_rm, ZYDIS_MNEMONIC_SHUFPS, 16, kImm},
    {S, xmm_rm, ZYDIS_MNEMONIC_COMISS, 4},
    {S, xmm_rm, ZYDIS_MNEMONIC_UCOMISS, 4},
    {S, xmm_rm, ZYDIS_MNEMONIC_MOVAPS, 16},
    {S, store_xmm, ZYDIS_MNEMONIC_MOVAPS, 16},
    {S, xmm_rm, ZYDIS_MNEMONIC_MOVUPS, 16, kUnaligned},
    {S, store_xmm, ZYDIS_MNEMONIC_MOVUPS, 16, kUnaligned},
    {S, xmm_rm, ZYDIS_MNEMONIC_MOVSS, 4},
    {S, store_xmm, ZYDIS_MNEMONIC_MOVSS, 4},
    {S, xmm_rm, ZYDIS_MNEMONIC_MOVLPS, 8, kMemOnly},
    {S, store_xmm, ZYDIS_MNEMONIC_MOVLPS, 8},
    {S, xmm_rm, ZYDIS_MNEMONIC_MOVHPS, 8, kMemOnly},
    {S, store_xmm, ZYDIS_MNEMONIC_MOVHPS, 8},
    {S, xmm_rm, ZYDIS_MNEMONIC_MOVHLPS, 16, kRegOnly},
    {S, xmm_rm, ZYDIS_MNEMONIC_MOVLHPS, 16, kRegOnly},
    {S, store_xmm, ZYDIS_MNEMONIC_MOVNTPS, 16},
    {S, gpr_xmm, ZYDIS_MNEMONIC_MOVMSKPS, 16, kRegOnly},
    {S, xmm_gpr, ZYDIS_MNEMONIC_CVTSI2SS, 4},
    {S, xmm_gpr, ZYDIS_MNEMONIC_CVTSI2SS, 8},
    {S, gpr_xmm, ZYDIS_MNEMONIC_CVTSS2SI, 4},
    {S, gpr_xmm, ZYDIS_MNEMONIC_CVTTSS2SI, 4},
    {S, xmm_mm, ZYDIS_MNEMONIC_CVTPI2PS, 8},
    {S, mm_xmm, ZYDIS_MNEMONIC_CVTPS2PI, 8},
    {S, mm_xmm, ZYDIS_MNEMONIC_CVTTPS2PI, 8},
    // SSE: the additions to MMX, prefetches, SFENCE
    {S, mm_rm, ZYDIS_MNEMONIC_PAVGB, 8},
    {S, mm_rm, ZYDIS_MNEMONIC_PAVGW, 8},
    {S, mm_rm, ZYDIS_MNEMONIC_PMAXSW, 8},
    {S, mm_rm, ZYDIS_MNEMONIC_PMAXUB, 8},
    {S, mm_rm, ZYDIS_MNEMONIC_PMINSW, 8},
    {S, mm_rm, ZYDIS_MNEMONIC_PMINUB, 8},
    {S, mm_rm, ZYDIS_MNEMONIC_PMULHUW, 8},
    {S, mm_rm, ZYDIS_MNEMONIC_PSADBW, 8},
    {S, mm_rm, ZYDIS_MNEMONIC_PSHUFW, 8, kImm},
    {S, gpr_mm, ZYDIS_MNEMONIC_PMOVMSKB, 8},
    {S, gpr_mm, ZYDIS_MNEMONIC_PEXTRW, 8, kImm},
    {S, mm_gpr, ZYDIS_MNEMONIC_PINSRW, 2, kImm},
    {S, masked_store, ZYDIS_MNEMONIC_MASKMOVQ},
    {S, store_mm, ZYDIS_MNEMONIC_MOVNTQ, 8},
    {S, byte_memory, ZYDIS_MNEMONIC_PREFETCHNTA},
    {S, byte_memory, ZYDIS_MNEMONIC_PREFETCHT0},
    {S, byte_memory, ZYDIS_MNEMONIC_PREFETCHT1},
    {S, byte_memory, ZYDIS_MNEMONIC_PREFETCHT2},
    {S, no_operands, ZYDIS_MNEMONIC_SFENCE},
    // SSE2: packed and scalar double precision
    {S2, xmm_rm, ZYDIS_MNEMONIC_ADDPD, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_ADDSD, 8},
    {S2, xmm_rm, ZYDIS_MNEMONIC_SUBPD, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_SUBSD, 8},
    {S2, xmm_rm, ZYDIS_MNEMONIC_MULPD, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_MULSD, 8},
    {S2, xmm_rm, ZYDIS_MNEMONIC_DIVPD, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_DIVSD, 8},
    {S2, xmm_rm, ZYDIS_MNEMONIC_MINPD, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_MINSD, 8},
    {S2, xmm_rm, ZYDIS_MNEMONIC_MAXPD, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_MAXSD, 8},
    {S2, xmm_rm, ZYDIS_MNEMONIC_SQRTPD, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_SQRTSD, 8},
    {S2, xmm_rm, ZYDIS_MNEMONIC_ANDPD, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_ANDNPD, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_ORPD, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_XORPD, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_UNPCKLPD, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_UNPCKHPD, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_CMPPD, 16, kImm3},
    {S2, xmm_rm, ZYDIS_MNEMONIC_CMPSD, 8, kImm3},
    {S2, xmm_rm, ZYDIS_MNEMONIC_SHUFPD, 16, kImm},
    {S2, xmm_rm, ZYDIS_MNEMONIC_COMISD, 8},
    {S2, xmm_rm, ZYDIS_MNEMONIC_UCOMISD, 8},
    {S2, xmm_rm, ZYDIS_MNEMONIC_MOVAPD, 16},
    {S2, store_xmm, ZYDIS_MNEMONIC_MOVAPD, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_MOVUPD, 16, kUnaligned},
    {S2, store_xmm, ZYDIS_MNEMONIC_MOVUPD, 16, kUnaligned},
    {S2, xmm_rm, ZYDIS_MNEMONIC_MOVSD, 8},
    {S2, store_xmm, ZYDIS_MNEMONIC_MOVSD, 8},
    {S2, xmm_rm, ZYDIS_MNEMONIC_MOVLPD, 8, kMemOnly},
    {S2, store_xmm, ZYDIS_MNEMONIC_MOVLPD, 8},
    {S2, xmm_rm, ZYDIS_MNEMONIC_MOVHPD, 8, kMemOnly},
    {S2, store_xmm, ZYDIS_MNEMONIC_MOVHPD, 8},
    {S2, store_xmm, ZYDIS_MNEMONIC_MOVNTPD, 16},
    {S2, gpr_xmm, ZYDIS_MNEMONIC_MOVMSKPD, 16, kRegOnly},
    // SSE2: conversions
    {S2, xmm_rm, ZYDIS_MNEMONIC_CVTDQ2PS, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_CVTPS2DQ, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_CVTTPS2DQ, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_CVTDQ2PD, 8},
    {S2, xmm_rm, ZYDIS_MNEMONIC_CVTPD2DQ, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_CVTTPD2DQ, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_CVTPD2PS, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_CVTPS2PD, 8},
    {S2, xmm_rm, ZYDIS_MNEMONIC_CVTSD2SS, 8},
    {S2, xmm_rm, ZYDIS_MNEMONIC_CVTSS2SD, 4},
    {S2, xmm_gpr, ZYDIS_MNEMONIC_CVTSI2SD, 4},
    {S2, xmm_gpr, ZYDIS_MNEMONIC_CVTSI2SD, 8},
    {S2, gpr_xmm, ZYDIS_MNEMONIC_CVTSD2SI, 8},
    {S2, gpr_xmm, ZYDIS_MNEMONIC_CVTTSD2SI, 8},
    {S2, mm_xmm, ZYDIS_MNEMONIC_CVTPD2PI, 16},
    {S2, mm_xmm, ZYDIS_MNEMONIC_CVTTPD2PI, 16},
    {S2, xmm_mm, ZYDIS_MNEMONIC_CVTPI2PD, 8},
    // SSE2: 128-bit integers
    {S2, xmm_rm, ZYDIS_MNEMONIC_MOVDQA, 16},
    {S2, store_xmm, ZYDIS_MNEMONIC_MOVDQA, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_MOVDQU, 16, kUnaligned},
    {S2, store_xmm, ZYDIS_MNEMONIC_MOVDQU, 16, kUnaligned},
    {S2, xmm_rm, ZYDIS_MNEMONIC_MOVQ, 8},
    {S2, store_xmm, ZYDIS_MNEMONIC_MOVQ, 8},
    {S2, xmm_gpr, ZYDIS_MNEMONIC_MOVD, 4},
    {S2, xmm_gpr, ZYDIS_MNEMONIC_MOVQ, 8},
    {S2, store_from_xmm, ZYDIS_MNEMONIC_MOVD, 4},
    {S2, store_from_xmm, ZYDIS_MNEMONIC_MOVQ, 8},
    {S2, xmm_mm, ZYDIS_MNEMONIC_MOVQ2DQ, 8, kRegOnly},
    {S2, mm_xmm, ZYDIS_MNEMONIC_MOVDQ2Q, 16, kRegOnly},
    {S2, store_xmm, ZYDIS_MNEMONIC_MOVNTDQ, 16},
    {S2, store_gpr, ZYDIS_MNEMONIC_MOVNTI},
    {S2, masked_store, ZYDIS_MNEMONIC_MASKMOVDQU},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PADDB, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PADDW, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PADDD, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PADDQ, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PADDSB, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PADDSW, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PADDUSB, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PADDUSW, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PSUBB, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PSUBW, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PSUBD, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PSUBQ, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PSUBSB, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PSUBSW, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PSUBUSB, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PSUBUSW, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PMULLW, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PMULHW, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PMULHUW, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PMULUDQ, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PMADDWD, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PAVGB, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PAVGW, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PMAXSW, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PMAXUB, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PMINSW, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PMINUB, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PSADBW, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PAND, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PANDN, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_POR, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PXOR, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PCMPEQB, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PCMPEQW, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PCMPEQD, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PCMPGTB, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PCMPGTW, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PCMPGTD, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PACKSSWB, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PACKSSDW, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PACKUSWB, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PUNPCKLBW, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PUNPCKLWD, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PUNPCKLDQ, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PUNPCKLQDQ, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PUNPCKHBW, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PUNPCKHWD, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PUNPCKHDQ, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PUNPCKHQDQ, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PSLLW, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PSLLD, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PSLLQ, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PSRLW, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PSRLD, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PSRLQ, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PSRAW, 16},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PSRAD, 16},
    {S2, xmm_imm, ZYDIS_MNEMONIC_PSLLW},
    {S2, xmm_imm, ZYDIS_MNEMONIC_PSLLD},
    {S2, xmm_imm, ZYDIS_MNEMONIC_PSLLQ},
    {S2, xmm_imm, ZYDIS_MNEMONIC_PSRLW},
    {S2, xmm_imm, ZYDIS_MNEMONIC_PSRLD},
    {S2, xmm_imm, ZYDIS_MNEMONIC_PSRLQ},
    {S2, xmm_imm, ZYDIS_MNEMONIC_PSRAW},
    {S2, xmm_imm, ZYDIS_MNEMONIC_PSRAD},
    {S2, xmm_imm, ZYDIS_MNEMONIC_PSLLDQ},
    {S2, xmm_imm, ZYDIS_MNEMONIC_PSRLDQ},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PSHUFD, 16, kImm},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PSHUFLW, 16, kImm},
    {S2, xmm_rm, ZYDIS_MNEMONIC_PSHUFHW, 16, kImm},
    {S2, gpr_xmm, ZYDIS_MNEMONIC_PEXTRW, 16, kRegOnly | kImm},
    {S2, xmm_gpr, ZYDIS_MNEMONIC_PINSRW, 2, kImm},
    {S2, gpr_xmm, ZYDIS_MNEMONIC_PMOVMSKB, 16, kRegOnly},
    // SSE2: the additions to MMX, fences, CLFLUSH, PAUSE
    {S2, mm_rm, ZYDIS_MNEMONIC_PADDQ, 8},
    {S2, mm_rm, ZYDIS_MNEMONIC_PSUBQ, 8},
    {S2, mm_rm, ZYDIS_MNEMONIC_PMULUDQ, 8},
    {S2, no_operands, ZYDIS_MNEMONIC_LFENCE},
    {S2, no_operands, ZYDIS_MNEMONIC_MFENCE},
    {S2, no_operands, ZYDIS_MNEMONIC_PAUSE},
    {S2, byte_memory, ZYDIS_MNEMONIC_CLFLUSH, 64},
    // MMX
    {M, mm_gpr, ZYDIS_MNEMONIC_MOVD, 4},
    {M, mm_gpr, ZYDIS_MNEMONIC_MOVQ, 8},
    {M, store_from_mm, ZYDIS_MNEMONIC_MOVD, 4},
    {M, store_from_mm, ZYDIS_MNEMONIC_MOVQ, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_MOVQ, 8},
    {M, store_mm, ZYDIS_MNEMONIC_MOVQ, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PADDB, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PADDW, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PADDD, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PADDSB, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PADDSW, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PADDUSB, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PADDUSW, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PSUBB, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PSUBW, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PSUBD, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PSUBSB, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PSUBSW, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PSUBUSB, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PSUBUSW, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PMULLW, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PMULHW, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PMADDWD, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PAND, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PANDN, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_POR, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PXOR, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PCMPEQB, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PCMPEQW, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PCMPEQD, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PCMPGTB, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PCMPGTW, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PCMPGTD, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PACKSSWB, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PACKSSDW, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PACKUSWB, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PUNPCKLBW, 4},
    {M, mm_rm, ZYDIS_MNEMONIC_PUNPCKLWD, 4},
    {M, mm_rm, ZYDIS_MNEMONIC_PUNPCKLDQ, 4},
    {M, mm_rm, ZYDIS_MNEMONIC_PUNPCKHBW, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PUNPCKHWD, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PUNPCKHDQ, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PSLLW, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PSLLD, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PSLLQ, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PSRLW, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PSRLD, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PSRLQ, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PSRAW, 8},
    {M, mm_rm, ZYDIS_MNEMONIC_PSRAD, 8},
    {M, mm_imm, ZYDIS_MNEMONIC_PSLLW},
    {M, mm_imm, ZYDIS_MNEMONIC_PSLLD},
    {M, mm_imm, ZYDIS_MNEMONIC_PSLLQ},
    {M, mm_imm, ZYDIS_MNEMONIC_PSRLW},
    {M, mm_imm, ZYDIS_MNEMONIC_PSRLD},
    {M, mm_imm, ZYDIS_MNEMONIC_PSRLQ},
    {M, mm_imm, ZYDIS_MNEMONIC_PSRAW},
    {M, mm_imm, ZYDIS_MNEMONIC_PSRAD},
    {M, no_operands, ZYDIS_MNEMONIC_EMMS},
};

} // namespace

std::span<Template const> simd_templates() {
    return kTemplates;
}

} // namespace vireo::difftest
