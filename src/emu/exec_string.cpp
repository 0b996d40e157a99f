// String instructions MOVS, STOS, LODS, CMPS, SCAS with REP/REPE/REPNE. REP MOVS and REP
// STOS run in bulk, a page run at a time, as host memmove/memset on guest RAM, updating
// RCX/RSI/RDI after each run so that a fault part-way leaves them showing the progress made
// (Intel SDM Vol. 2B "REP/REPE/REPZ/REPNE/REPNZ"). A long REP stops after a budget of bytes
// and restarts itself, so interrupts and kicks are not held up.
#include <algorithm>

#include "emu/handlers.h"
#include "emu/mmu.h"
#include "emu/operands.h"

namespace vireo::emu {

namespace {

constexpr uint64_t kRepByteBudget = 1 << 20;

struct StringRegs {
    uint64_t mask; // address-size mask for RSI, RDI and RCX
    int64_t step;  // element size, negative when DF is set
};

template <unsigned S>
StringRegs string_regs(Cpu const& cpu, Insn const& insn) {
    return {insn.address_mask, cpu.flags.direction() ? -static_cast<int64_t>(S) : S};
}

void advance(Cpu& cpu, unsigned reg, StringRegs const& r, int64_t elements) {
    write_address_sized(cpu.regs[reg], r.mask,
                        cpu.regs[reg] + static_cast<uint64_t>(elements * r.step));
}

void set_count(Cpu& cpu, StringRegs const& r, uint64_t count) {
    write_address_sized(cpu.regs[1], r.mask, count);
}

// Elements of size `size` that fit between `linear` and its page boundary in the direction
// of travel; 0 when the next element itself crosses the boundary.
uint64_t elements_in_page(uint64_t linear, unsigned size, bool backwards) {
    uint64_t const offset = linear & kPageOffsetMask;
    uint64_t const bytes = backwards ? offset + size : kPageSize - offset;
    return bytes / size;
}

// A host pointer for a page-contained run, or nullptr when it is not RAM or when alignment
// checking is armed (the element-by-element path through memory.cpp then checks each one).
uint8_t* host_run(Cpu& cpu, uint64_t linear, Access access) {
    if (cpu.alignment_check)
        return nullptr;
    TlbEntry const* table = access == Access::Write ? cpu.tlb_write : cpu.tlb_read;
    if (uint8_t* host = tlb_lookup(table, linear, 1))
        return host;
    Translation const t = translate(cpu, linear & cpu.linear_mask, access, cpu.cpl == 3);
    if (t.host != nullptr && access == Access::Write)
        cpu.machine->code_pages->invalidate_range(t.physical,
                                                  kPageSize - (t.physical & kPageOffsetMask));
    return t.host;
}

void restart_if_unfinished(Cpu& cpu, Insn const& insn, uint64_t remaining) {
    if (remaining != 0)
        cpu.set_rip(cpu.rip() - insn.length);
}

template <unsigned S>
void movs_one(Cpu& cpu, Insn const& insn, StringRegs const& r) {
    uint64_t const value = read_sized<S>(cpu, segment_linear(cpu, insn.seg, cpu.regs[6] & r.mask));
    write_sized<S>(cpu, segment_linear(cpu, kSegEs, cpu.regs[7] & r.mask), value);
    advance(cpu, 6, r, 1);
    advance(cpu, 7, r, 1);
}

template <unsigned S>
void movs(Cpu& cpu, Insn const& insn) {
    StringRegs const r = string_regs<S>(cpu, insn);
    if ((insn.prefixes & (kPrefixRep | kPrefixRepne)) == 0)
        return movs_one<S>(cpu, insn, r);
    uint64_t count = cpu.regs[1] & r.mask;
    bool const backwards = r.step < 0;
    uint64_t budget = kRepByteBudget / S;
    while (count != 0 && budget != 0) {
        uint64_t const src = segment_linear(cpu, insn.seg, cpu.regs[6] & r.mask);
        uint64_t const dst = segment_linear(cpu, kSegEs, cpu.regs[7] & r.mask);
        uint64_t n = std::min({count, budget, elements_in_page(src, S, backwards),
                               elements_in_page(dst, S, backwards)});
        uint8_t* from = n != 0 ? host_run(cpu, src, Access::Read) : nullptr;
        uint8_t* to = n != 0 && from != nullptr ? host_run(cpu, dst, Access::Write) : nullptr;
        uint64_t const bytes = n * S;
        // The processor copies element by element (Intel SDM Vol. 2B "MOVS"): when the
        // destination overlaps the source ahead of it in the direction of travel (above it
        // going forward, below it going backward), later elements read bytes that earlier
        // ones wrote, which memmove would not repeat. Those runs go element by element.
        bool const overlapping =
            backwards ? to < from && from < to + bytes : to > from && to < from + bytes;
        if (to == nullptr || overlapping) {
            movs_one<S>(cpu, insn, r);
            n = 1;
        } else {
            uint8_t* first_to = backwards ? to - bytes + S : to;
            uint8_t* first_from = backwards ? from - bytes + S : from;
            std::memmove(first_to, first_from, bytes);
            advance(cpu, 6, r, static_cast<int64_t>(n));
            advance(cpu, 7, r, static_cast<int64_t>(n));
        }
        count -= n;
        budget -= std::min(budget, n);
        set_count(cpu, r, count);
    }
    restart_if_unfinished(cpu, insn, count);
}

template <unsigned S>
void stos(Cpu& cpu, Insn const& insn) {
    StringRegs const r = string_regs<S>(cpu, insn);
    uint64_t const value = get_reg<S>(cpu, 0);
    if ((insn.prefixes & (kPrefixRep | kPrefixRepne)) == 0) {
        write_sized<S>(cpu, segment_linear(cpu, kSegEs, cpu.regs[7] & r.mask), value);
        return advance(cpu, 7, r, 1);
    }
    uint64_t count = cpu.regs[1] & r.mask;
    bool const backwards = r.step < 0;
    uint64_t budget = kRepByteBudget / S;
    while (count != 0 && budget != 0) {
        uint64_t const dst = segment_linear(cpu, kSegEs, cpu.regs[7] & r.mask);
        uint64_t n = std::min({count, budget, elements_in_page(dst, S, backwards)});
        uint8_t* to = n != 0 ? host_run(cpu, dst, Access::Write) : nullptr;
        if (to == nullptr) {
            write_sized<S>(cpu, dst, value);
            n = 1;
        } else {
            uint8_t* first = backwards ? to - (n - 1) * S : to;
            if constexpr (S == 1) {
                std::memset(first, static_cast<int>(value), n);
            } else {
                auto const element = static_cast<typename UintOf<S>::type>(value);
                for (uint64_t i = 0; i < n; ++i)
                    std::memcpy(first + i * S, &element, S);
            }
        }
        advance(cpu, 7, r, static_cast<int64_t>(n));
        count -= n;
        budget -= std::min(budget, n);
        set_count(cpu, r, count);
    }
    restart_if_unfinished(cpu, insn, count);
}

template <unsigned S>
void lods(Cpu& cpu, Insn const& insn) {
    StringRegs const r = string_regs<S>(cpu, insn);
    bool const rep = (insn.prefixes & (kPrefixRep | kPrefixRepne)) != 0;
    uint64_t count = rep ? cpu.regs[1] & r.mask : 1;
    for (; count != 0; --count) {
        set_reg<S>(cpu, 0, read_sized<S>(cpu, segment_linear(cpu, insn.seg, cpu.regs[6] & r.mask)));
        advance(cpu, 6, r, 1);
        if (rep)
            set_count(cpu, r, count - 1);
    }
}

// CMPS and SCAS: REPE stops when ZF becomes 0, REPNE when it becomes 1.
template <unsigned S, bool Scas>
void compare_string(Cpu& cpu, Insn const& insn) {
    StringRegs const r = string_regs<S>(cpu, insn);
    bool const repe = (insn.prefixes & kPrefixRep) != 0;
    bool const repne = (insn.prefixes & kPrefixRepne) != 0;
    uint64_t count = (repe || repne) ? cpu.regs[1] & r.mask : 1;
    uint64_t budget = kRepByteBudget / S;
    while (count != 0 && budget-- != 0) {
        uint64_t const b = read_sized<S>(cpu, segment_linear(cpu, kSegEs, cpu.regs[7] & r.mask));
        uint64_t a = 0;
        if constexpr (Scas)
            a = get_reg<S>(cpu, 0);
        else
            a = read_sized<S>(cpu, segment_linear(cpu, insn.seg, cpu.regs[6] & r.mask));
        cpu.flags.record(FlagOp::Sub, S, a, b, a - b);
        if constexpr (!Scas)
            advance(cpu, 6, r, 1);
        advance(cpu, 7, r, 1);
        --count;
        if (!repe && !repne)
            return;
        set_count(cpu, r, count);
        bool const equal = ((a - b) & size_mask(S)) == 0;
        if ((repe && !equal) || (repne && equal))
            return;
    }
    if (repe || repne)
        restart_if_unfinished(cpu, insn, count);
}

template <unsigned S>
void add_size(Registry& registry, ZydisMnemonic movs_m, ZydisMnemonic stos_m, ZydisMnemonic lods_m,
              ZydisMnemonic cmps_m, ZydisMnemonic scas_m) {
    // Each ends its block: a REP form may rewind RIP to restart itself.
    registry.add<movs<S>>(movs_m, make_form({}), kEndsBlock);
    registry.add<stos<S>>(stos_m, make_form({}), kEndsBlock);
    registry.add<lods<S>>(lods_m, make_form({}), kEndsBlock);
    registry.add<compare_string<S, false>>(cmps_m, make_form({}), kEndsBlock);
    registry.add<compare_string<S, true>>(scas_m, make_form({}), kEndsBlock);
}

} // namespace

void register_string(Registry& registry) {
    add_size<1>(registry, ZYDIS_MNEMONIC_MOVSB, ZYDIS_MNEMONIC_STOSB, ZYDIS_MNEMONIC_LODSB,
                ZYDIS_MNEMONIC_CMPSB, ZYDIS_MNEMONIC_SCASB);
    add_size<2>(registry, ZYDIS_MNEMONIC_MOVSW, ZYDIS_MNEMONIC_STOSW, ZYDIS_MNEMONIC_LODSW,
                ZYDIS_MNEMONIC_CMPSW, ZYDIS_MNEMONIC_SCASW);
    add_size<4>(registry, ZYDIS_MNEMONIC_MOVSD, ZYDIS_MNEMONIC_STOSD, ZYDIS_MNEMONIC_LODSD,
                ZYDIS_MNEMONIC_CMPSD, ZYDIS_MNEMONIC_SCASD);
    add_size<8>(registry, ZYDIS_MNEMONIC_MOVSQ, ZYDIS_MNEMONIC_STOSQ, ZYDIS_MNEMONIC_LODSQ,
                ZYDIS_MNEMONIC_CMPSQ, ZYDIS_MNEMONIC_SCASQ);
}

} // namespace vireo::emu
