// SSE/SSE2 shuffles with an immediate selector: SHUFPS, SHUFPD, PSHUFD, PSHUFLW, PSHUFHW, and
// word insertion/extraction PINSRW/PEXTRW on XMM registers. (The unpacks are in
// exec_sse_int.cpp, the MMX forms in exec_mmx.cpp.)
#include "emu/sse_util.h"

namespace vireo::emu::simd {

namespace {

template <typename T>
struct Lanes {
    T value[16 / sizeof(T)];
};
template <typename T>
Lanes<T> lanes(Vec v) {
    Lanes<T> out;
    _mm_storeu_si128(reinterpret_cast<Vec*>(out.value), v);
    return out;
}
template <typename T>
Vec vec(Lanes<T> const& in) {
    return _mm_loadu_si128(reinterpret_cast<Vec const*>(in.value));
}

// The 2-bit field i of an imm8 selector.
unsigned field(uint64_t imm, unsigned i) {
    return static_cast<unsigned>(imm >> (2 * i)) & 3;
}

// PSHUFD: each doubleword of the destination picks one of the source's.
template <Src S>
void pshufd(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    auto const in = lanes<uint32_t>(source<S>(cpu, insn));
    Lanes<uint32_t> out;
    for (unsigned i = 0; i < 4; ++i)
        out.value[i] = in.value[field(insn.imm, i)];
    set_xmm(cpu, insn.op[0].reg, vec(out));
}

// PSHUFLW/PSHUFHW shuffle the words of one quadword (First = 0 or 4) and copy the other.
template <unsigned First, Src S>
void pshufw_half(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    auto const in = lanes<uint16_t>(source<S>(cpu, insn));
    Lanes<uint16_t> out = in;
    for (unsigned i = 0; i < 4; ++i)
        out.value[First + i] = in.value[First + field(insn.imm, i)];
    set_xmm(cpu, insn.op[0].reg, vec(out));
}

// SHUFPS: the low two results come from the destination, the high two from the source.
template <Src S>
void shufps(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    auto const b = lanes<uint32_t>(source<S>(cpu, insn));
    auto const a = lanes<uint32_t>(xmm(cpu, insn.op[0].reg));
    Lanes<uint32_t> const out{{a.value[field(insn.imm, 0)], a.value[field(insn.imm, 1)],
                               b.value[field(insn.imm, 2)], b.value[field(insn.imm, 3)]}};
    set_xmm(cpu, insn.op[0].reg, vec(out));
}

template <Src S>
void shufpd(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    auto const b = lanes<uint64_t>(source<S>(cpu, insn));
    auto const a = lanes<uint64_t>(xmm(cpu, insn.op[0].reg));
    Lanes<uint64_t> const out{{a.value[insn.imm & 1], b.value[(insn.imm >> 1) & 1]}};
    set_xmm(cpu, insn.op[0].reg, vec(out));
}

// PINSRW xmm, r32/m16, imm8 and PEXTRW r32, xmm, imm8 address word imm8[2:0].
template <bool Memory>
void pinsrw(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    auto const word =
        static_cast<uint16_t>(Memory ? read_mem<uint16_t>(cpu, linear_address(cpu, insn))
                                     : get_reg<2>(cpu, insn.op[1].reg));
    auto out = lanes<uint16_t>(xmm(cpu, insn.op[0].reg));
    out.value[insn.imm & 7] = word;
    set_xmm(cpu, insn.op[0].reg, vec(out));
}

void pextrw(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    auto const in = lanes<uint16_t>(xmm(cpu, insn.op[1].reg));
    set_reg<8>(cpu, insn.op[0].reg, in.value[insn.imm & 7]);
}

} // namespace

void register_sse_shuffle(Registry& registry) {
    add<pshufd<Src::Xmm>>(registry, ZYDIS_MNEMONIC_PSHUFD, {kX, kX, kI});
    add<pshufd<Src::M128>>(registry, ZYDIS_MNEMONIC_PSHUFD, {kX, mem(16), kI});
    add<pshufw_half<0, Src::Xmm>>(registry, ZYDIS_MNEMONIC_PSHUFLW, {kX, kX, kI});
    add<pshufw_half<0, Src::M128>>(registry, ZYDIS_MNEMONIC_PSHUFLW, {kX, mem(16), kI});
    add<pshufw_half<4, Src::Xmm>>(registry, ZYDIS_MNEMONIC_PSHUFHW, {kX, kX, kI});
    add<pshufw_half<4, Src::M128>>(registry, ZYDIS_MNEMONIC_PSHUFHW, {kX, mem(16), kI});
    add<shufps<Src::Xmm>>(registry, ZYDIS_MNEMONIC_SHUFPS, {kX, kX, kI});
    add<shufps<Src::M128>>(registry, ZYDIS_MNEMONIC_SHUFPS, {kX, mem(16), kI});
    add<shufpd<Src::Xmm>>(registry, ZYDIS_MNEMONIC_SHUFPD, {kX, kX, kI});
    add<shufpd<Src::M128>>(registry, ZYDIS_MNEMONIC_SHUFPD, {kX, mem(16), kI});
    add<pinsrw<false>>(registry, ZYDIS_MNEMONIC_PINSRW, {kX, kR, kI});
    add<pinsrw<true>>(registry, ZYDIS_MNEMONIC_PINSRW, {kX, mem(2), kI});
    add<pextrw>(registry, ZYDIS_MNEMONIC_PEXTRW, {kR, kX, kI});
}

} // namespace vireo::emu::simd
