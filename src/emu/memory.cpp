#include "emu/memory.h"

#include <algorithm>
#include <bit>
#include <span>

#include "accel/accel.h"
#include "emu/block_cache.h"
#include "emu/fault.h"
#include "emu/mmu.h"

namespace vireo::emu {

namespace {

bool is_local_apic(Cpu const& cpu, uint64_t physical) {
    // The LAPIC page answers at IA32_APIC_BASE for this processor only (Intel SDM Vol. 3A
    // 11.4.1), when the APIC is globally enabled (11.4.3).
    return cpu.local_apic != nullptr && (cpu.apic_base & x86::kApicBaseEnable) != 0 &&
           (physical & ~kPageOffsetMask) == (cpu.apic_base & 0xffffff000ULL);
}

void mmio_read(Cpu& cpu, uint64_t physical, uint8_t* out, unsigned size) {
    if (is_local_apic(cpu, physical))
        cpu.local_apic->read(physical & kPageOffsetMask, std::span(out, size));
    else if (cpu.io != nullptr)
        cpu.io->mmio_read(physical, std::span(out, size));
    else
        std::fill_n(out, size, 0xff);
}

void mmio_write(Cpu& cpu, uint64_t physical, uint8_t const* in, unsigned size) {
    if (is_local_apic(cpu, physical))
        cpu.local_apic->write(physical & kPageOffsetMask, std::span(in, size));
    else if (cpu.io != nullptr)
        cpu.io->mmio_write(physical, std::span(in, size));
}

void note_write(Cpu& cpu, uint64_t physical, unsigned size) {
    CodePages& pages = *cpu.machine->code_pages;
    uint32_t const index = pages.page_index(physical);
    if (index != CodePages::kNoPage &&
        CodePages::holds_code(pages.word(index).load(std::memory_order_relaxed)))
        pages.invalidate_page(index);
    (void)size; // accesses never cross a page here: callers split them
}

// An access split at page boundaries: both pages are translated before any byte moves, so a
// fault on the second page leaves memory untouched.
struct Split {
    Translation first;
    Translation second;
    unsigned first_size;
};

Split translate_split(Cpu& cpu, uint64_t linear, unsigned size, Access access, bool user) {
    Split split{};
    split.first_size =
        static_cast<unsigned>(std::min<uint64_t>(size, kPageSize - (linear & kPageOffsetMask)));
    split.first = translate(cpu, linear, access, user);
    if (split.first_size < size)
        split.second = translate(cpu, (linear + split.first_size) & cpu.linear_mask, access, user);
    return split;
}

void load(Cpu& cpu, Translation const& t, uint8_t* out, unsigned size) {
    if (t.host != nullptr)
        std::memcpy(out, t.host, size);
    else
        mmio_read(cpu, t.physical, out, size);
}

void store(Cpu& cpu, Translation const& t, uint8_t const* in, unsigned size) {
    if (t.host != nullptr) {
        std::memcpy(t.host, in, size);
        note_write(cpu, t.physical, size);
    } else {
        mmio_write(cpu, t.physical, in, size);
    }
}

// Whose privilege an access is made with: the current one, or the supervisor's for the
// accesses the processor makes on its own behalf (implicit supervisor accesses, Intel SDM
// Vol. 3A 4.6.1), which are not data references of the instruction.
enum class Privilege : uint8_t { Current, Supervisor };

// The instruction being run: RIP is already past it, and the executor's block and block start
// find it as executor.cpp does for a fault. Only the rare fault paths below ask.
Insn const* current_insn(Cpu const& cpu) {
    Block const* block = cpu.current_block;
    if (block == nullptr)
        return nullptr;
    uint64_t const end = cpu.rip() - cpu.block_rip;
    for (uint32_t i = 0; i < block->count; ++i)
        if (block->insns[i].end_offset == end)
            return &block->insns[i];
    return nullptr;
}

// In 64-bit mode a data reference must be canonical (Intel SDM Vol. 3A 3.3.7.1): #SS(0) when
// it is made through SS, #GP(0) otherwise (Intel SDM Vol. 3A 6.15 "Interrupt 12" and
// "Interrupt 13"). Both ends are checked, so an access that straddles the end of the lower
// half faults the same way.
void check_canonical(Cpu const& cpu, uint64_t linear, unsigned size) {
    if (!cpu.long_mode_active)
        return;
    int64_t const first = static_cast<int64_t>(linear) >> (kLinearAddressBits - 1);
    int64_t const last = static_cast<int64_t>(linear + size - 1) >> (kLinearAddressBits - 1);
    if ((first == 0 || first == -1) && first == last)
        return;
    Insn const* insn = current_insn(cpu);
    if (insn != nullptr && (insn->prefixes & kPrefixStack) != 0)
        raise_fault(x86::Vector::StackFault, 0);
    raise_gp(0);
}

// Translates a data reference, with the checks that precede and follow the page walk.
Split translate_data(Cpu& cpu, uint64_t linear, unsigned size, Access access, Privilege privilege) {
    if (privilege == Privilege::Supervisor)
        return translate_split(cpu, linear, size, access, false);
    check_canonical(cpu, linear, size);
    check_alignment(cpu, linear, size);
    return translate_split(cpu, linear, size, access, cpu.cpl == 3);
}

void read_as(Cpu& cpu, uint64_t linear, void* out, unsigned size, Access access,
             Privilege privilege) {
    auto* bytes = static_cast<uint8_t*>(out);
    Split const split = translate_data(cpu, linear, size, access, privilege);
    load(cpu, split.first, bytes, split.first_size);
    if (split.first_size < size)
        load(cpu, split.second, bytes + split.first_size, size - split.first_size);
}

void write_as(Cpu& cpu, uint64_t linear, void const* in, unsigned size, Privilege privilege) {
    auto const* bytes = static_cast<uint8_t const*>(in);
    Split const split = translate_data(cpu, linear, size, Access::Write, privilege);
    store(cpu, split.first, bytes, split.first_size);
    if (split.first_size < size)
        store(cpu, split.second, bytes + split.first_size, size - split.first_size);
}

} // namespace

// With alignment checking armed, a data reference must be aligned to its size: 2, 4, 8 or 16
// bytes, 8 for an 80-bit x87 value (Intel SDM Vol. 3A 6.15 "Interrupt 17", Table 6-7). The
// check precedes translation: Table 6-2 of the SDM lists #PF and #AC in one priority class,
// and the processor raises #AC for a misaligned write to a read-only page (observed).
void check_alignment(Cpu const& cpu, uint64_t linear, unsigned size) {
    constexpr unsigned kLargestAlignment = 16;
    unsigned const alignment = std::bit_floor(std::min(size, kLargestAlignment));
    if (cpu.alignment_check && (linear & (alignment - 1)) != 0)
        raise_fault(x86::Vector::AlignmentCheck, 0);
}

void read_slow(Cpu& cpu, uint64_t linear, void* out, unsigned size) {
    read_as(cpu, linear & cpu.linear_mask, out, size, Access::Read, Privilege::Current);
}

void write_slow(Cpu& cpu, uint64_t linear, void const* in, unsigned size) {
    write_as(cpu, linear & cpu.linear_mask, in, size, Privilege::Current);
}

// The read of a read-modify-write: both pages are translated for writing first.
void read_for_write_slow(Cpu& cpu, uint64_t linear, void* out, unsigned size) {
    read_as(cpu, linear & cpu.linear_mask, out, size, Access::Write, Privilege::Current);
}

void read_system(Cpu& cpu, uint64_t linear, void* out, unsigned size) {
    read_as(cpu, linear & cpu.linear_mask, out, size, Access::Read, Privilege::Supervisor);
}

void write_system(Cpu& cpu, uint64_t linear, void const* in, unsigned size) {
    write_as(cpu, linear & cpu.linear_mask, in, size, Privilege::Supervisor);
}

uint8_t* writable_pointer(Cpu& cpu, uint64_t linear, unsigned size) {
    if (uint8_t* host = tlb_lookup(cpu.tlb_write, linear, size))
        return host;
    linear &= cpu.linear_mask;
    Split const split = translate_data(cpu, linear, size, Access::Write, Privilege::Current);
    if (split.first_size < size || split.first.host == nullptr)
        return nullptr;
    note_write(cpu, split.first.physical, size);
    return split.first.host;
}

uint64_t read_mem_n(Cpu& cpu, uint64_t linear, unsigned size) {
    switch (size) {
    case 1:
        return read_mem<uint8_t>(cpu, linear);
    case 2:
        return read_mem<uint16_t>(cpu, linear);
    case 4:
        return read_mem<uint32_t>(cpu, linear);
    default:
        return read_mem<uint64_t>(cpu, linear);
    }
}

void write_mem_n(Cpu& cpu, uint64_t linear, unsigned size, uint64_t value) {
    switch (size) {
    case 1:
        write_mem<uint8_t>(cpu, linear, static_cast<uint8_t>(value));
        break;
    case 2:
        write_mem<uint16_t>(cpu, linear, static_cast<uint16_t>(value));
        break;
    case 4:
        write_mem<uint32_t>(cpu, linear, static_cast<uint32_t>(value));
        break;
    default:
        write_mem<uint64_t>(cpu, linear, value);
        break;
    }
}

} // namespace vireo::emu
