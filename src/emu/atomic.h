// Read-modify-write of guest memory that is atomic for LOCK-prefixed instructions and XCHG:
// the update is a host compare-and-swap on the guest RAM itself, so other vCPU threads (and
// the host kernel's view of guest memory) see x86 semantics for free. Accesses that are not
// one RAM run (MMIO, a split across pages) fall back to a plain read and write.
#pragma once

#include <atomic>
#include <cstdint>

#include "emu/memory.h"

namespace vireo::emu {

// Applies `update(old) -> new` to the `Size`-byte value at `linear` and returns the old one.
template <unsigned Size, typename Update>
uint64_t atomic_update(Cpu& cpu, uint64_t linear, Update&& update) {
    using T = typename UintOf<Size>::type;
    uint8_t* host = writable_pointer(cpu, linear, Size);
    if (host == nullptr) {
        // Not atomic, but still a full barrier, as every locked instruction is (Intel SDM
        // Vol. 3A 9.2.2, 8.2.2 before 2023): guests order stores before loads with them.
        std::atomic_thread_fence(std::memory_order_seq_cst);
        uint64_t const old = read_sized<Size>(cpu, linear);
        write_sized<Size>(cpu, linear, update(old));
        std::atomic_thread_fence(std::memory_order_seq_cst);
        return old;
    }
    // The GCC builtins compile to LOCK CMPXCHG, which x86 performs on unaligned addresses too.
    T* const target = reinterpret_cast<T*>(host);
    T old = __atomic_load_n(target, __ATOMIC_RELAXED);
    while (!__atomic_compare_exchange_n(target, &old, static_cast<T>(update(old)), true,
                                        __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
    }
    return old;
}

// Read-modify-write with or without the LOCK prefix.
template <unsigned Size, typename Update>
uint64_t read_modify_write(Cpu& cpu, uint64_t linear, bool locked, Update&& update) {
    if (locked)
        return atomic_update<Size>(cpu, linear, update);
    uint64_t const old = read_for_write_sized<Size>(cpu, linear);
    write_sized<Size>(cpu, linear, update(old));
    return old;
}

} // namespace vireo::emu
