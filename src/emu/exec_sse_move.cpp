// SSE/SSE2 data movement: whole-register moves (MOVAPS/MOVUPS/MOVDQA/MOVDQU... and the
// non-temporal MOVNTPS/MOVNTPD/MOVNTDQ), scalar and half moves (MOVSS, MOVSD, MOVLPS, MOVHPS,
// MOVHLPS, MOVLHPS...), MOVD/MOVQ with XMM registers, MOVQ2DQ/MOVDQ2Q, the sign-mask moves
// MOVMSKPS/MOVMSKPD/PMOVMSKB, MASKMOVDQU and MOVNTI.
#include "emu/sse_util.h"

namespace vireo::emu::simd {

namespace {

// xmm <- xmm, xmm <- m128, m128 <- xmm. Non-temporal hints change nothing in an emulator.
void move_xx(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    set_xmm(cpu, insn.op[0].reg, xmm(cpu, insn.op[1].reg));
}
template <Align A>
void load128(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    set_xmm(cpu, insn.op[0].reg, read_m128<A>(cpu, insn));
}
template <Align A>
void store128(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    write_m128<A>(cpu, insn, xmm(cpu, insn.op[1].reg));
}

void add_move128(Registry& registry, ZydisMnemonic mnemonic, Align align) {
    add<move_xx>(registry, mnemonic, {kX, kX});
    if (align == Align::Sixteen) {
        add<load128<Align::Sixteen>>(registry, mnemonic, {kX, mem(16)});
        add<store128<Align::Sixteen>>(registry, mnemonic, {mem(16), kX});
    } else {
        add<load128<Align::None>>(registry, mnemonic, {kX, mem(16)});
        add<store128<Align::None>>(registry, mnemonic, {mem(16), kX});
    }
}

// Replaces bytes [Offset, Offset + Size) of an XMM register.
template <unsigned Offset, unsigned Size>
void merge(Cpu& cpu, unsigned reg, uint64_t value) {
    auto* bytes = reinterpret_cast<uint8_t*>(&cpu.fpu.xmm[reg]);
    std::memcpy(bytes + Offset, &value, Size);
}
template <unsigned Offset, unsigned Size>
uint64_t extract(Cpu const& cpu, unsigned reg) {
    uint64_t value = 0;
    std::memcpy(&value, reinterpret_cast<uint8_t const*>(&cpu.fpu.xmm[reg]) + Offset, Size);
    return value;
}

// MOVSS/MOVSD between registers merge the low element (Intel SDM Vol. 2B "MOVSS").
template <unsigned Size>
void move_scalar_xx(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    merge<0, Size>(cpu, insn.op[0].reg, extract<0, Size>(cpu, insn.op[1].reg));
}
// ...from memory they zero the rest of the register; MOVD/MOVQ xmm, r/m zero-extend likewise.
template <unsigned Size>
void load_zero_extended(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    uint64_t const value = read_sized<Size>(cpu, linear_address(cpu, insn));
    set_xmm(cpu, insn.op[0].reg, from64(value));
}
template <unsigned Size>
void store_low(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    write_sized<Size>(cpu, linear_address(cpu, insn), extract<0, Size>(cpu, insn.op[1].reg));
}

// MOVLPS/MOVLPD/MOVHPS/MOVHPD: one quadword between memory and a half of the register.
template <unsigned Offset>
void load_half(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    merge<Offset, 8>(cpu, insn.op[0].reg, read_mem<uint64_t>(cpu, linear_address(cpu, insn)));
}
template <unsigned Offset>
void store_half(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    write_mem<uint64_t>(cpu, linear_address(cpu, insn), extract<Offset, 8>(cpu, insn.op[1].reg));
}
// MOVHLPS: low half <- source's high half; MOVLHPS: high half <- source's low half.
template <unsigned To, unsigned From>
void move_half_xx(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    merge<To, 8>(cpu, insn.op[0].reg, extract<From, 8>(cpu, insn.op[1].reg));
}

// MOVD/MOVQ xmm <- r32/r64 (zero-extended), r32/r64 <- xmm; MOVQ xmm <- xmm zeroes the high half.
template <unsigned Size>
void from_gpr(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    set_xmm(cpu, insn.op[0].reg, from64(get_reg<Size>(cpu, insn.op[1].reg)));
}
template <unsigned Size>
void to_gpr(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    set_reg<Size>(cpu, insn.op[0].reg, extract<0, Size>(cpu, insn.op[1].reg));
}
void movq_xx(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    set_xmm(cpu, insn.op[0].reg, _mm_move_epi64(xmm(cpu, insn.op[1].reg)));
}

// MOVQ2DQ xmm, mm / MOVDQ2Q mm, xmm: SSE2 instructions that also enter MMX state.
void movq2dq(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    x87::check_pending(cpu);
    uint64_t const value = mm(cpu, insn.op[1].reg);
    enter_mmx_state(cpu);
    set_xmm(cpu, insn.op[0].reg, from64(value));
}
void movdq2q(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    x87::check_pending(cpu);
    enter_mmx_state(cpu);
    set_mm(cpu, insn.op[0].reg, extract<0, 8>(cpu, insn.op[1].reg));
}

// Sign masks into a GPR, zero-extended to 64 bits whatever width Zydis reports.
void movmskps(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    Vec const v = xmm(cpu, insn.op[1].reg);
    set_reg<8>(cpu, insn.op[0].reg, static_cast<unsigned>(_mm_movemask_ps(_mm_castsi128_ps(v))));
}
void movmskpd(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    Vec const v = xmm(cpu, insn.op[1].reg);
    set_reg<8>(cpu, insn.op[0].reg, static_cast<unsigned>(_mm_movemask_pd(_mm_castsi128_pd(v))));
}
void pmovmskb(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    set_reg<8>(cpu, insn.op[0].reg,
               static_cast<unsigned>(_mm_movemask_epi8(xmm(cpu, insn.op[1].reg))));
}

// MASKMOVDQU stores the bytes of the first operand whose mask byte (second operand) has its
// top bit set, at DS:rDI (Intel SDM Vol. 2B "MASKMOVDQU").
void maskmovdqu(Cpu& cpu, Insn const& insn) {
    check_sse(cpu);
    uint8_t data[16];
    _mm_storeu_si128(reinterpret_cast<Vec*>(data), xmm(cpu, insn.op[0].reg));
    auto const mask = static_cast<unsigned>(_mm_movemask_epi8(xmm(cpu, insn.op[1].reg)));
    masked_store(cpu, insn, data, mask, 16);
}

// MOVNTI m32/m64, r32/r64: a plain store (no SSE state involved).
template <unsigned Size>
void movnti(Cpu& cpu, Insn const& insn) {
    write_sized<Size>(cpu, linear_address(cpu, insn), get_reg<Size>(cpu, insn.op[1].reg));
}

void register_moves_128(Registry& registry) {
    for (ZydisMnemonic const m :
         {ZYDIS_MNEMONIC_MOVAPS, ZYDIS_MNEMONIC_MOVAPD, ZYDIS_MNEMONIC_MOVDQA})
        add_move128(registry, m, Align::Sixteen);
    for (ZydisMnemonic const m :
         {ZYDIS_MNEMONIC_MOVUPS, ZYDIS_MNEMONIC_MOVUPD, ZYDIS_MNEMONIC_MOVDQU})
        add_move128(registry, m, Align::None);
    for (ZydisMnemonic const m :
         {ZYDIS_MNEMONIC_MOVNTPS, ZYDIS_MNEMONIC_MOVNTPD, ZYDIS_MNEMONIC_MOVNTDQ})
        add<store128<Align::Sixteen>>(registry, m, {mem(16), kX});
}

void register_partial_moves(Registry& registry) {
    add<move_scalar_xx<4>>(registry, ZYDIS_MNEMONIC_MOVSS, {kX, kX});
    add<load_zero_extended<4>>(registry, ZYDIS_MNEMONIC_MOVSS, {kX, mem(4)});
    add<store_low<4>>(registry, ZYDIS_MNEMONIC_MOVSS, {mem(4), kX});
    add<move_scalar_xx<8>>(registry, ZYDIS_MNEMONIC_MOVSD, {kX, kX});
    add<load_zero_extended<8>>(registry, ZYDIS_MNEMONIC_MOVSD, {kX, mem(8)});
    add<store_low<8>>(registry, ZYDIS_MNEMONIC_MOVSD, {mem(8), kX});
    for (ZydisMnemonic const m : {ZYDIS_MNEMONIC_MOVLPS, ZYDIS_MNEMONIC_MOVLPD}) {
        add<load_half<0>>(registry, m, {kX, mem(8)});
        add<store_half<0>>(registry, m, {mem(8), kX});
    }
    for (ZydisMnemonic const m : {ZYDIS_MNEMONIC_MOVHPS, ZYDIS_MNEMONIC_MOVHPD}) {
        add<load_half<8>>(registry, m, {kX, mem(8)});
        add<store_half<8>>(registry, m, {mem(8), kX});
    }
    add<move_half_xx<0, 8>>(registry, ZYDIS_MNEMONIC_MOVHLPS, {kX, kX});
    add<move_half_xx<8, 0>>(registry, ZYDIS_MNEMONIC_MOVLHPS, {kX, kX});
    add<from_gpr<4>>(registry, ZYDIS_MNEMONIC_MOVD, {kX, gpr(4)});
    add<load_zero_extended<4>>(registry, ZYDIS_MNEMONIC_MOVD, {kX, mem(4)});
    add<to_gpr<4>>(registry, ZYDIS_MNEMONIC_MOVD, {gpr(4), kX});
    add<store_low<4>>(registry, ZYDIS_MNEMONIC_MOVD, {mem(4), kX});
    add<from_gpr<8>>(registry, ZYDIS_MNEMONIC_MOVQ, {kX, gpr(8)});
    add<load_zero_extended<8>>(registry, ZYDIS_MNEMONIC_MOVQ, {kX, mem(8)});
    add<to_gpr<8>>(registry, ZYDIS_MNEMONIC_MOVQ, {gpr(8), kX});
    add<store_low<8>>(registry, ZYDIS_MNEMONIC_MOVQ, {mem(8), kX});
    add<movq_xx>(registry, ZYDIS_MNEMONIC_MOVQ, {kX, kX});
    add<movq2dq>(registry, ZYDIS_MNEMONIC_MOVQ2DQ, {kX, kMm});
    add<movdq2q>(registry, ZYDIS_MNEMONIC_MOVDQ2Q, {kMm, kX});
}

} // namespace

void masked_store(Cpu& cpu, Insn const& insn, uint8_t const* data, unsigned mask, unsigned size) {
    uint64_t const offset = cpu.regs[static_cast<unsigned>(x86::Gpr::Rdi)] & insn.address_mask;
    uint64_t const linear = segment_linear(cpu, insn.seg, offset);
    // Alignment is checked for the whole operand, not for the bytes written, and even with an
    // all-zero mask (observed: #AC for MASKMOVQ to an address that is not 8-byte aligned;
    // Intel SDM Vol. 2B "MASKMOVQ" lists #AC(0)).
    check_alignment(cpu, linear, size);
    // With an all-zero mask the processor may or may not signal other faults (Intel SDM Vol.
    // 2B "MASKMOVDQU"): vireo touches nothing.
    if (mask == 0)
        return;
    // The first and last bytes written are probed first, so that a fault leaves memory as it
    // was (a store of up to 16 bytes spans at most two pages).
    auto const first = static_cast<unsigned>(__builtin_ctz(mask));
    auto const last = static_cast<unsigned>(31 - __builtin_clz(mask));
    (void)writable_pointer(cpu, linear + first, 1);
    (void)writable_pointer(cpu, linear + last, 1);
    for (unsigned i = first; i < size; ++i)
        if (((mask >> i) & 1) != 0)
            write_mem<uint8_t>(cpu, linear + i, data[i]);
}

void register_sse_move(Registry& registry) {
    register_moves_128(registry);
    register_partial_moves(registry);
    add<movmskps>(registry, ZYDIS_MNEMONIC_MOVMSKPS, {kR, kX});
    add<movmskpd>(registry, ZYDIS_MNEMONIC_MOVMSKPD, {kR, kX});
    add<pmovmskb>(registry, ZYDIS_MNEMONIC_PMOVMSKB, {kR, kX});
    add<maskmovdqu>(registry, ZYDIS_MNEMONIC_MASKMOVDQU, {kX, kX});
    add<movnti<4>>(registry, ZYDIS_MNEMONIC_MOVNTI, {mem(4), gpr(4)});
    add<movnti<8>>(registry, ZYDIS_MNEMONIC_MOVNTI, {mem(8), gpr(8)});
}

} // namespace vireo::emu::simd
