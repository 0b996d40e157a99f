// A tiny machine for per-instruction tests: flat guest RAM, one Cpu in 64-bit mode with
// paging off (a state real hardware cannot be in, but the emulator runs it happily and it
// keeps tests free of page tables), code placed at kCodeAddress and run until HLT.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "emu/block_cache.h"
#include "emu/code_pages.h"
#include "emu/cpu.h"
#include "emu/executor.h"
#include "memory/guest_memory.h"

namespace vireo::emu::test {

// Appends the low `bytes` bytes of `value` to `code`, little-endian: immediates and
// displacements for hand-assembled test code.
inline void append_le(std::vector<uint8_t>& code, uint64_t value, unsigned bytes) {
    for (unsigned i = 0; i < bytes; ++i)
        code.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

class Harness {
public:
    static constexpr uint64_t kCodeAddress = 0x10000;
    static constexpr uint64_t kStackTop = 0x80000;
    static constexpr uint64_t kDataAddress = 0x100000;

    explicit Harness(uint64_t ram_bytes = 8 << 20);

    void load(uint64_t address, std::vector<uint8_t> const& bytes);
    // Loads `code` followed by HLT at kCodeAddress and runs it until the HLT (or a fault,
    // which stops execution: Cpu::stop_on_exception is set).
    ExecResult run(std::vector<uint8_t> code);
    // Runs from the current RIP.
    ExecResult resume(uint64_t max_instructions = 100'000'000);

    uint64_t& reg(x86::Gpr which) { return cpu.gpr(which); }
    uint64_t rflags() const { return cpu.flags.rflags(); }
    template <typename T>
    T read(uint64_t address) {
        return *memory->read_object<T>(address);
    }
    template <typename T>
    void write(uint64_t address, T value) {
        (void)memory->write_object<T>(address, value);
    }

    // Sets 32-bit protected mode with flat 4 GiB segments, or 16-bit real mode.
    void set_protected_mode_32();
    void set_real_mode();

    std::unique_ptr<GuestMemory> memory;
    std::unique_ptr<CodePages> code_pages;
    Machine machine;
    Cpu cpu;
    BlockCache cache;
};

} // namespace vireo::emu::test
