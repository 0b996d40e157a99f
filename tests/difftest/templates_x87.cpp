// x87 templates and the FXSR class (FXSAVE/FXRSTOR, MXCSR and FCW loads and stores, FNINIT,
// FNCLEX, EMMS). The x87 stack starts in a random state (TOP, tags, values including NaNs,
// infinities, denormals and unsupported encodings), so overflow and underflow are exercised
// as well as arithmetic under every precision and rounding control.
#include "templates.h"

namespace vireo::difftest {

namespace {

unsigned random_st(Builder& b) {
    return static_cast<unsigned>(b.rng().below(8));
}

// op m: t.sizes bytes, loaded or stored according to t.option (a MemUse).
void x87_memory(Builder& b, Template const& t) {
    auto const use = static_cast<MemUse>(t.option);
    b.emit(make_request(t.mnemonic, {b.memory({t.sizes, 1, use})}));
}

void x87_st(Builder& b, Template const& t) {
    b.emit(make_request(t.mnemonic, {reg(st(random_st(b)))}));
}

void x87_st0_sti(Builder& b, Template const& t) {
    b.emit(make_request(t.mnemonic, {reg(st(0)), reg(st(random_st(b)))}));
}

void x87_sti_st0(Builder& b, Template const& t) {
    b.emit(make_request(t.mnemonic, {reg(st(random_st(b))), reg(st(0))}));
}

void x87_none(Builder& b, Template const& t) {
    b.emit(make_request(t.mnemonic, {}));
}

void fnstsw_ax(Builder& b, Template const& t) {
    b.emit(make_request(t.mnemonic, {reg(ZYDIS_REGISTER_AX)}));
}

void fcmovcc(Builder& b, Template const&) {
    static constexpr ZydisMnemonic kForms[] = {ZYDIS_MNEMONIC_FCMOVB,   ZYDIS_MNEMONIC_FCMOVE,
                                               ZYDIS_MNEMONIC_FCMOVBE,  ZYDIS_MNEMONIC_FCMOVU,
                                               ZYDIS_MNEMONIC_FCMOVNB,  ZYDIS_MNEMONIC_FCMOVNE,
                                               ZYDIS_MNEMONIC_FCMOVNBE, ZYDIS_MNEMONIC_FCMOVNU};
    ZydisMnemonic const m = kForms[b.rng().below(std::size(kForms))];
    b.emit(make_request(m, {reg(st(0)), reg(st(random_st(b)))}));
}

// Transcendental instructions return results whose last bits are model-specific (Intel SDM
// Vol. 1 8.3.10 gives error bounds, not bits): what they push is popped right away (FPTAN
// and FSINCOS push two values), so the comparison sees their stack effect, faults and
// exception flags but not the approximate values.
void x87_approximate(Builder& b, Template const& t) {
    b.emit(make_request(t.mnemonic, {}));
    bool const pushes_two =
        t.mnemonic == ZYDIS_MNEMONIC_FPTAN || t.mnemonic == ZYDIS_MNEMONIC_FSINCOS;
    for (unsigned i = 0; i < (pushes_two ? 2U : 1U); ++i)
        b.emit(make_request(ZYDIS_MNEMONIC_FSTP, {reg(st(0))}));
}

// --- FXSR --------------------------------------------------------------------------------

// FXSAVE into one of the two slots. The bytes it leaves unpredictable are not compared.
void fxsave(Builder& b, Template const& t) {
    uint64_t const slot = b.rng().chance(70) ? kFxsaveSlot : kFxrstorSlot;
    // Intel SDM Vol. 2A "FXSAVE": the operand must be 16-byte aligned, else #GP.
    uint64_t const misalign = b.rng().chance(2) ? 8 : 0;
    b.emit(make_request(t.mnemonic,
                        {b.memory_at({512, 16, MemUse::Store}, kDataAddress + slot + misalign)}));
    for (auto const& range : kFxsaveIgnoredRanges)
        b.ignore_data(static_cast<uint32_t>(slot + misalign + range[0]),
                      static_cast<uint32_t>(slot + misalign + range[1]));
}

// FXRSTOR from the slot that always holds a valid image: the initial one or one an FXSAVE
// wrote. (What FXRSTOR makes of reserved FCW bits or an FSW.ES inconsistent with the masks is
// model-specific, so random bytes are never restored.)
void fxrstor(Builder& b, Template const& t) {
    uint64_t const slot = kFxrstorSlot;
    uint64_t const misalign = b.rng().chance(2) ? 8 : 0;
    b.emit(make_request(t.mnemonic,
                        {b.memory_at({512, 16, MemUse::Load}, kDataAddress + slot + misalign)}));
}

// A value for LDMXCSR (Intel SDM Vol. 1 10.2.3): flags, DAZ, masks (rarely cleared),
// rounding, FTZ; rarely a reserved bit, which must raise #GP. Bit 17 is left out: AMD
// processors define it (MM, misaligned SSE accesses; AMD APM Vol. 4 "MXCSR"), so it is not
// reserved on every host, while vireo's MXCSR_MASK (src/emu/fxsave.h) does not offer it.
uint32_t mxcsr_value(Builder& b) {
    constexpr unsigned kAmdMisalignedSse = 17;
    uint32_t value = static_cast<uint32_t>(b.rng().next()) & 0xe07f;
    value |= b.rng().chance(90) ? 0x1f80 : static_cast<uint32_t>(b.rng().next()) & 0x1f80;
    if (b.rng().chance(2)) {
        auto bit = static_cast<unsigned>(b.rng().between(16, 31));
        value |= 1U << (bit == kAmdMisalignedSse ? 16 : bit);
    }
    return value;
}

// A value for FLDCW (Intel SDM Vol. 1 8.1.5): masks (rarely cleared), precision 24/53/64
// bits or the reserved 01, rounding; bit 6 set as FNINIT leaves it.
uint16_t fcw_value(Builder& b) {
    auto masks = static_cast<uint16_t>(b.rng().chance(90) ? 0x3f : b.rng().next() & 0x3f);
    auto const precision = static_cast<uint16_t>(b.rng().below(4) << 8);
    auto const rounding = static_cast<uint16_t>(b.rng().below(4) << 10);
    return static_cast<uint16_t>(masks | 0x40 | precision | rounding);
}

// Stores a chosen value to memory, then loads it with LDMXCSR or FLDCW.
void load_control(Builder& b, Template const& t) {
    bool const mxcsr = t.mnemonic == ZYDIS_MNEMONIC_LDMXCSR;
    unsigned const bytes = mxcsr ? 4 : 2;
    ZydisEncoderOperand const operand = b.memory({bytes, 1, MemUse::LoadStore});
    int64_t const value = mxcsr ? static_cast<int32_t>(mxcsr_value(b)) : fcw_value(b);
    b.emit(make_request(ZYDIS_MNEMONIC_MOV, {operand, imm(value)}));
    b.emit(make_request(t.mnemonic, {operand}));
}

void store_control(Builder& b, Template const& t) {
    unsigned const bytes = t.mnemonic == ZYDIS_MNEMONIC_STMXCSR ? 4 : 2;
    b.emit(make_request(t.mnemonic, {b.memory({bytes, 1, MemUse::Store})}));
}

constexpr InsnClass X = InsnClass::X87;
constexpr InsnClass F = InsnClass::Fxsr;
constexpr auto kLoad = static_cast<uint8_t>(MemUse::Load);
constexpr auto kStore = static_cast<uint8_t>(MemUse::Store);

constexpr Template kTemplates[] = {
    // Loads and stores (Intel SDM Vol. 1 8.3.3)
    {X, x87_memory, ZYDIS_MNEMONIC_FLD, 4, kLoad},
    {X, x87_memory, ZYDIS_MNEMONIC_FLD, 8, kLoad},
    {X, x87_memory, ZYDIS_MNEMONIC_FLD, 10, kLoad},
    {X, x87_st, ZYDIS_MNEMONIC_FLD},
    {X, x87_memory, ZYDIS_MNEMONIC_FST, 4, kStore},
    {X, x87_memory, ZYDIS_MNEMONIC_FST, 8, kStore},
    {X, x87_st, ZYDIS_MNEMONIC_FST},
    {X, x87_memory, ZYDIS_MNEMONIC_FSTP, 4, kStore},
    {X, x87_memory, ZYDIS_MNEMONIC_FSTP, 8, kStore},
    {X, x87_memory, ZYDIS_MNEMONIC_FSTP, 10, kStore},
    {X, x87_st, ZYDIS_MNEMONIC_FSTP},
    {X, x87_memory, ZYDIS_MNEMONIC_FILD, 2, kLoad},
    {X, x87_memory, ZYDIS_MNEMONIC_FILD, 4, kLoad},
    {X, x87_memory, ZYDIS_MNEMONIC_FILD, 8, kLoad},
    {X, x87_memory, ZYDIS_MNEMONIC_FIST, 2, kStore},
    {X, x87_memory, ZYDIS_MNEMONIC_FIST, 4, kStore},
    {X, x87_memory, ZYDIS_MNEMONIC_FISTP, 2, kStore},
    {X, x87_memory, ZYDIS_MNEMONIC_FISTP, 4, kStore},
    {X, x87_memory, ZYDIS_MNEMONIC_FISTP, 8, kStore},
    {X, x87_memory, ZYDIS_MNEMONIC_FBLD, 10, kLoad},
    {X, x87_memory, ZYDIS_MNEMONIC_FBSTP, 10, kStore},
    {X, x87_st, ZYDIS_MNEMONIC_FXCH},
    {X, fcmovcc, ZYDIS_MNEMONIC_FCMOVB},
    {X, x87_none, ZYDIS_MNEMONIC_FLDZ},
    {X, x87_none, ZYDIS_MNEMONIC_FLD1},
    {X, x87_none, ZYDIS_MNEMONIC_FLDPI},
    {X, x87_none, ZYDIS_MNEMONIC_FLDL2T},
    {X, x87_none, ZYDIS_MNEMONIC_FLDL2E},
    {X, x87_none, ZYDIS_MNEMONIC_FLDLG2},
    {X, x87_none, ZYDIS_MNEMONIC_FLDLN2},
    // Arithmetic (8.3.5)
    {X, x87_memory, ZYDIS_MNEMONIC_FADD, 4, kLoad},
    {X, x87_memory, ZYDIS_MNEMONIC_FADD, 8, kLoad},
    {X, x87_st0_sti, ZYDIS_MNEMONIC_FADD},
    {X, x87_sti_st0, ZYDIS_MNEMONIC_FADD},
    {X, x87_sti_st0, ZYDIS_MNEMONIC_FADDP},
    {X, x87_memory, ZYDIS_MNEMONIC_FIADD, 2, kLoad},
    {X, x87_memory, ZYDIS_MNEMONIC_FIADD, 4, kLoad},
    {X, x87_memory, ZYDIS_MNEMONIC_FSUB, 4, kLoad},
    {X, x87_memory, ZYDIS_MNEMONIC_FSUB, 8, kLoad},
    {X, x87_st0_sti, ZYDIS_MNEMONIC_FSUB},
    {X, x87_sti_st0, ZYDIS_MNEMONIC_FSUB},
    {X, x87_sti_st0, ZYDIS_MNEMONIC_FSUBP},
    {X, x87_memory, ZYDIS_MNEMONIC_FISUB, 2, kLoad},
    {X, x87_memory, ZYDIS_MNEMONIC_FSUBR, 4, kLoad},
    {X, x87_memory, ZYDIS_MNEMONIC_FSUBR, 8, kLoad},
    {X, x87_st0_sti, ZYDIS_MNEMONIC_FSUBR},
    {X, x87_sti_st0, ZYDIS_MNEMONIC_FSUBRP},
    {X, x87_memory, ZYDIS_MNEMONIC_FISUBR, 4, kLoad},
    {X, x87_memory, ZYDIS_MNEMONIC_FMUL, 4, kLoad},
    {X, x87_memory, ZYDIS_MNEMONIC_FMUL, 8, kLoad},
    {X, x87_st0_sti, ZYDIS_MNEMONIC_FMUL},
    {X, x87_sti_st0, ZYDIS_MNEMONIC_FMULP},
    {X, x87_memory, ZYDIS_MNEMONIC_FIMUL, 4, kLoad},
    {X, x87_memory, ZYDIS_MNEMONIC_FDIV, 4, kLoad},
    {X, x87_memory, ZYDIS_MNEMONIC_FDIV, 8, kLoad},
    {X, x87_st0_sti, ZYDIS_MNEMONIC_FDIV},
    {X, x87_sti_st0, ZYDIS_MNEMONIC_FDIVP},
    {X, x87_memory, ZYDIS_MNEMONIC_FIDIV, 2, kLoad},
    {X, x87_memory, ZYDIS_MNEMONIC_FDIVR, 4, kLoad},
    {X, x87_memory, ZYDIS_MNEMONIC_FDIVR, 8, kLoad},
    {X, x87_st0_sti, ZYDIS_MNEMONIC_FDIVR},
    {X, x87_sti_st0, ZYDIS_MNEMONIC_FDIVRP},
    {X, x87_memory, ZYDIS_MNEMONIC_FIDIVR, 4, kLoad},
    {X, x87_none, ZYDIS_MNEMONIC_FCHS},
    {X, x87_none, ZYDIS_MNEMONIC_FABS},
    {X, x87_none, ZYDIS_MNEMONIC_FSQRT},
    {X, x87_none, ZYDIS_MNEMONIC_FRNDINT},
    {X, x87_none, ZYDIS_MNEMONIC_FSCALE},
    {X, x87_none, ZYDIS_MNEMONIC_FPREM},
    {X, x87_none, ZYDIS_MNEMONIC_FPREM1},
    {X, x87_none, ZYDIS_MNEMONIC_FXTRACT},
    // Comparisons and classification (8.3.6, 8.3.7)
    {X, x87_memory, ZYDIS_MNEMONIC_FCOM, 4, kLoad},
    {X, x87_memory, ZYDIS_MNEMONIC_FCOM, 8, kLoad},
    {X, x87_st, ZYDIS_MNEMONIC_FCOM},
    {X, x87_memory, ZYDIS_MNEMONIC_FCOMP, 8, kLoad},
    {X, x87_st, ZYDIS_MNEMONIC_FCOMP},
    {X, x87_none, ZYDIS_MNEMONIC_FCOMPP},
    {X, x87_st, ZYDIS_MNEMONIC_FUCOM},
    {X, x87_st0_sti, ZYDIS_MNEMONIC_FUCOMP},
    {X, x87_none, ZYDIS_MNEMONIC_FUCOMPP},
    {X, x87_memory, ZYDIS_MNEMONIC_FICOM, 2, kLoad},
    {X, x87_memory, ZYDIS_MNEMONIC_FICOMP, 4, kLoad},
    {X, x87_st0_sti, ZYDIS_MNEMONIC_FCOMI},
    {X, x87_st0_sti, ZYDIS_MNEMONIC_FCOMIP},
    {X, x87_st0_sti, ZYDIS_MNEMONIC_FUCOMI},
    {X, x87_st0_sti, ZYDIS_MNEMONIC_FUCOMIP},
    {X, x87_none, ZYDIS_MNEMONIC_FTST},
    {X, x87_none, ZYDIS_MNEMONIC_FXAM},
    // Transcendentals (8.3.8-8.3.10)
    {X, x87_approximate, ZYDIS_MNEMONIC_FSIN},
    {X, x87_approximate, ZYDIS_MNEMONIC_FCOS},
    {X, x87_approximate, ZYDIS_MNEMONIC_FSINCOS},
    {X, x87_approximate, ZYDIS_MNEMONIC_FPTAN},
    {X, x87_approximate, ZYDIS_MNEMONIC_FPATAN},
    {X, x87_approximate, ZYDIS_MNEMONIC_F2XM1},
    {X, x87_approximate, ZYDIS_MNEMONIC_FYL2X},
    {X, x87_approximate, ZYDIS_MNEMONIC_FYL2XP1},
    // Control (8.3.11)
    {X, x87_none, ZYDIS_MNEMONIC_FINCSTP},
    {X, x87_none, ZYDIS_MNEMONIC_FDECSTP},
    {X, x87_st, ZYDIS_MNEMONIC_FFREE},
    {X, x87_none, ZYDIS_MNEMONIC_FNOP},
    {X, x87_none, ZYDIS_MNEMONIC_FWAIT},
    {X, fnstsw_ax, ZYDIS_MNEMONIC_FNSTSW},
    {X, x87_memory, ZYDIS_MNEMONIC_FNSTSW, 2, kStore},
    // FXSR and control words
    {F, fxsave, ZYDIS_MNEMONIC_FXSAVE},
    {F, fxsave, ZYDIS_MNEMONIC_FXSAVE64},
    {F, fxrstor, ZYDIS_MNEMONIC_FXRSTOR},
    {F, fxrstor, ZYDIS_MNEMONIC_FXRSTOR64},
    {F, load_control, ZYDIS_MNEMONIC_LDMXCSR},
    {F, store_control, ZYDIS_MNEMONIC_STMXCSR},
    {F, load_control, ZYDIS_MNEMONIC_FLDCW},
    {F, store_control, ZYDIS_MNEMONIC_FNSTCW},
    {F, x87_none, ZYDIS_MNEMONIC_FNINIT},
    {F, x87_none, ZYDIS_MNEMONIC_FNCLEX},
    {F, x87_none, ZYDIS_MNEMONIC_EMMS},
};

} // namespace

std::span<Template const> x87_templates() {
    return kTemplates;
}

} // namespace vireo::difftest
