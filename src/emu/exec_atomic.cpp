// Compare-exchange and exchange-add: CMPXCHG, CMPXCHG8B, CMPXCHG16B, XADD. With a LOCK prefix
// the memory forms are host atomic operations on guest RAM (atomic.h).
#include "emu/atomic.h"
#include "emu/handlers.h"
#include "emu/operands.h"

namespace vireo::emu {

namespace {

constexpr unsigned kRax = reg_offset(x86::Gpr::Rax);

template <unsigned S>
void cmpxchg_r(Cpu& cpu, Insn const& insn) {
    uint64_t const accumulator = get_reg<S>(cpu, kRax);
    uint64_t const dest = get_reg<S>(cpu, insn.op[0].reg);
    // Flags as CMP accumulator, destination (Intel SDM Vol. 2A "CMPXCHG").
    cpu.flags.record(FlagOp::Sub, S, accumulator, dest, accumulator - dest);
    if (((accumulator ^ dest) & size_mask(S)) == 0)
        set_reg<S>(cpu, insn.op[0].reg, get_reg<S>(cpu, insn.op[1].reg));
    else
        set_reg<S>(cpu, kRax, dest);
}

template <unsigned S>
void cmpxchg_m(Cpu& cpu, Insn const& insn) {
    using T = typename UintOf<S>::type;
    uint64_t const linear = linear_address(cpu, insn);
    auto const accumulator = static_cast<T>(get_reg<S>(cpu, kRax));
    auto const source = static_cast<T>(get_reg<S>(cpu, insn.op[1].reg));
    T old = 0;
    uint8_t* host = (insn.prefixes & kPrefixLock) != 0 ? writable_pointer(cpu, linear, S) : nullptr;
    if (host != nullptr) {
        old = accumulator;
        __atomic_compare_exchange_n(reinterpret_cast<T*>(host), &old, source, false,
                                    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    } else {
        // Without LOCK the processor still writes the destination: the old value back when
        // the comparison fails. A locked one that is not one RAM run (MMIO, split across
        // pages) is not atomic here, but stays a full barrier (atomic.h).
        if ((insn.prefixes & kPrefixLock) != 0)
            std::atomic_thread_fence(std::memory_order_seq_cst);
        old = static_cast<T>(read_for_write_sized<S>(cpu, linear));
        write_sized<S>(cpu, linear, old == accumulator ? source : old);
        if ((insn.prefixes & kPrefixLock) != 0)
            std::atomic_thread_fence(std::memory_order_seq_cst);
    }
    cpu.flags.record(FlagOp::Sub, S, accumulator, old, static_cast<uint64_t>(accumulator) - old);
    if (old != accumulator)
        set_reg<S>(cpu, kRax, old);
}

template <unsigned S>
void xadd_r(Cpu& cpu, Insn const& insn) {
    uint64_t const dest = get_reg<S>(cpu, insn.op[0].reg);
    uint64_t const source = get_reg<S>(cpu, insn.op[1].reg);
    cpu.flags.record(FlagOp::Add, S, dest, source, dest + source);
    set_reg<S>(cpu, insn.op[1].reg, dest);
    set_reg<S>(cpu, insn.op[0].reg, dest + source);
}

template <unsigned S>
void xadd_m(Cpu& cpu, Insn const& insn) {
    uint64_t const source = get_reg<S>(cpu, insn.op[1].reg);
    uint64_t const old =
        read_modify_write<S>(cpu, linear_address(cpu, insn), (insn.prefixes & kPrefixLock) != 0,
                             [source](uint64_t value) { return value + source; });
    cpu.flags.record(FlagOp::Add, S, old, source, old + source);
    set_reg<S>(cpu, insn.op[1].reg, old);
}

bool compare_exchange_16(uint8_t* target, uint64_t expected[2], uint64_t const desired[2]) {
    bool equal = false;
    asm volatile("lock cmpxchg16b %1"
                 : "=@ccz"(equal), "+m"(*reinterpret_cast<unsigned __int128*>(target)),
                   "+a"(expected[0]), "+d"(expected[1])
                 : "b"(desired[0]), "c"(desired[1])
                 : "memory");
    return equal;
}

// CMPXCHG8B m64 and CMPXCHG16B m128 (Intel SDM Vol. 2A "CMPXCHG8B/CMPXCHG16B"): compare
// rDX:rAX with memory, store rCX:rBX when equal, load rDX:rAX otherwise; only ZF changes.
template <unsigned Half>
void cmpxchg_double(Cpu& cpu, Insn const& insn) {
    uint64_t const linear = linear_address(cpu, insn);
    // CMPXCHG16B needs a 16-byte aligned operand.
    if (Half == 8 && (linear & 15) != 0)
        raise_gp(0);
    uint64_t expected[2] = {get_reg<Half>(cpu, 0), get_reg<Half>(cpu, 16)};
    uint64_t const desired[2] = {get_reg<Half>(cpu, 24), get_reg<Half>(cpu, 8)};
    bool equal = false;
    uint8_t* host = writable_pointer(cpu, linear, Half * 2);
    if (host != nullptr && Half == 8) {
        equal = compare_exchange_16(host, expected, desired);
    } else if (host != nullptr) {
        uint64_t old = expected[0] | (expected[1] << 32);
        equal = __atomic_compare_exchange_n(reinterpret_cast<uint64_t*>(host), &old,
                                            desired[0] | (desired[1] << 32), false,
                                            __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
        expected[0] = old & 0xffffffff;
        expected[1] = old >> 32;
    } else {
        if ((insn.prefixes & kPrefixLock) != 0)
            std::atomic_thread_fence(std::memory_order_seq_cst); // as in cmpxchg_m
        uint64_t const low = read_sized<Half>(cpu, linear);
        uint64_t const high = read_sized<Half>(cpu, linear + Half);
        equal = low == expected[0] && high == expected[1];
        write_sized<Half>(cpu, linear, equal ? desired[0] : low);
        write_sized<Half>(cpu, linear + Half, equal ? desired[1] : high);
        if ((insn.prefixes & kPrefixLock) != 0)
            std::atomic_thread_fence(std::memory_order_seq_cst);
        expected[0] = low;
        expected[1] = high;
    }
    cpu.flags.set_arith(x86::kFlagZf, equal ? x86::kFlagZf : 0);
    if (!equal) {
        set_reg<Half>(cpu, 0, expected[0]);
        set_reg<Half>(cpu, 16, expected[1]);
    }
}

template <unsigned S>
void add_size(Registry& registry) {
    registry.add<cmpxchg_r<S>>(ZYDIS_MNEMONIC_CMPXCHG, make_form({R(S), R(S)}));
    registry.add<cmpxchg_m<S>>(ZYDIS_MNEMONIC_CMPXCHG, make_form({M(S), R(S)}));
    registry.add<xadd_r<S>>(ZYDIS_MNEMONIC_XADD, make_form({R(S), R(S)}));
    registry.add<xadd_m<S>>(ZYDIS_MNEMONIC_XADD, make_form({M(S), R(S)}));
}

} // namespace

void register_atomic(Registry& registry) {
    add_size<1>(registry);
    add_size<2>(registry);
    add_size<4>(registry);
    add_size<8>(registry);
    registry.add_any<cmpxchg_double<4>>(ZYDIS_MNEMONIC_CMPXCHG8B);
    registry.add_any<cmpxchg_double<8>>(ZYDIS_MNEMONIC_CMPXCHG16B);
}

} // namespace vireo::emu
