#include "boot/entry_state.h"

#include <array>

#include "base/units.h"
#include "boot/guest_layout.h"
#include "memory/guest_memory.h"
#include "x86/pc_layout.h"
#include "x86/registers.h"

namespace vireo::boot {

namespace {

// Segment descriptor fields (Intel SDM Vol. 3A 3.4.5, Figure 3-8).
constexpr uint64_t kDescriptorS = 1ULL << 44; // code or data, not a system segment
constexpr uint64_t kDescriptorP = 1ULL << 47;
constexpr uint64_t kDescriptorL = 1ULL << 53;
constexpr uint64_t kDescriptorDb = 1ULL << 54;
constexpr uint64_t kDescriptorG = 1ULL << 55;
constexpr unsigned kDescriptorTypeShift = 40;

// Segment types (Intel SDM Vol. 3A 3.4.5.1, Table 3-1 and 3.5, Table 3-2). The accessed bit is
// set so the processor never has to write it back into the GDT.
constexpr uint8_t kTypeCodeExecuteReadAccessed = 0xb;
constexpr uint8_t kTypeDataReadWriteAccessed = 0x3;
constexpr uint8_t kTypeLdt = 0x2;
constexpr uint8_t kTypeBusyTss = 0xb; // 32-bit busy TSS; the 64-bit busy TSS in IA-32e mode

// A flat segment: base 0, limit 0xFFFFF in 4 KiB units, i.e. all of the 4 GiB.
constexpr uint64_t flat_descriptor(uint8_t type, uint64_t size_flags) {
    return 0xffffULL | (0xfULL << 48) | (uint64_t{type} << kDescriptorTypeShift) | kDescriptorS |
           kDescriptorP | kDescriptorG | size_flags;
}

constexpr std::array<uint64_t, 4> kBootGdt = {
    0,                                                            // the null descriptor
    flat_descriptor(kTypeCodeExecuteReadAccessed, kDescriptorDb), // 0x08: 32-bit code
    flat_descriptor(kTypeCodeExecuteReadAccessed, kDescriptorL),  // 0x10: 64-bit code
    flat_descriptor(kTypeDataReadWriteAccessed, kDescriptorDb),   // 0x18: data
};
static_assert(pc::kGdtAddress + sizeof(kBootGdt) <= pc::kIdtAddress);
static_assert(kBootGdt.size() * 8 > kBootDataSelector);

// The TSS the processor believes is loaded. PVH requires "a 32-bit TSS (active) with a base
// of '0' and a limit of '0x67'" (Xen docs/misc/pvh.pandoc); VMX entry requires a usable busy
// TSS in TR in every mode (Intel SDM Vol. 3C 26.3.1.2), so the 64-bit entry gets the same.
constexpr uint32_t kMinimumTssLimit = 0x67;

// Paging-structure entry bits (Intel SDM Vol. 3A 4.5, Tables 4-15, 4-17 and 4-18).
constexpr uint64_t kPtePresent = 1ULL << 0;
constexpr uint64_t kPteWritable = 1ULL << 1;
constexpr uint64_t kPtePageSize = 1ULL << 7; // in a PDE: maps a 2 MiB page
constexpr size_t kEntriesPerTable = 512;
constexpr uint64_t kLargePageSize = 2 * MiB;
constexpr uint64_t kPageDirectories = 4; // each maps 1 GiB: the first 4 GiB in all
static_assert(pc::kPageDirectoriesAddress + kPageDirectories * kPageSize <= pc::kCmdlineAddress);

using PageTable = std::array<uint64_t, kEntriesPerTable>;

Result<void> write_identity_page_tables(GuestMemory& memory) {
    PageTable table{};
    table[0] = pc::kPdptAddress | kPtePresent | kPteWritable;
    TRY(memory.write_object(pc::kPml4Address, table));

    table = {};
    for (uint64_t i = 0; i < kPageDirectories; ++i)
        table[i] = (pc::kPageDirectoriesAddress + i * kPageSize) | kPtePresent | kPteWritable;
    TRY(memory.write_object(pc::kPdptAddress, table));

    for (uint64_t directory = 0; directory < kPageDirectories; ++directory) {
        for (uint64_t i = 0; i < kEntriesPerTable; ++i) {
            uint64_t const address = (directory * kEntriesPerTable + i) * kLargePageSize;
            table[i] = address | kPtePresent | kPteWritable | kPtePageSize;
        }
        TRY(memory.write_object(pc::kPageDirectoriesAddress + directory * kPageSize, table));
    }
    return {};
}

x86::Segment gdt_segment(uint16_t selector) {
    return x86::Segment::from_descriptor(selector, kBootGdt[selector >> 3]);
}

void set_segments(x86::CpuState& state, uint16_t code_selector) {
    state.cs = gdt_segment(code_selector);
    state.ds = state.es = state.fs = state.gs = state.ss = gdt_segment(kBootDataSelector);
    state.tr = {.limit = kMinimumTssLimit, .type = kTypeBusyTss, .present = true, .system = true};
    state.ldt = {.type = kTypeLdt, .system = true, .unusable = true};
    state.gdt = {pc::kGdtAddress, static_cast<uint16_t>(sizeof(kBootGdt) - 1)};
    // A limit of 0 holds no gate: an exception before the kernel loads its own IDT shuts the
    // machine down (a triple fault the VMM reports) instead of running from garbage.
    state.idt = {pc::kIdtAddress, 0};
}

} // namespace

Result<x86::CpuState> prepare_entry_state(GuestMemory& memory, EntryMode mode, uint64_t entry) {
    TRY(memory.write_object(pc::kGdtAddress, kBootGdt));
    x86::CpuState state;
    state.rip = entry;
    state.rflags = x86::kFlagReserved1; // IF clear: every format enters with interrupts off
    state.reg(x86::Gpr::Rsp) = pc::kBootStackTop;
    // The architectural reset value: the local APIC enabled at its default base, this is the BSP
    // (Intel SDM Vol. 3A 11.4.4).
    state.apic_base = pc::kLocalApicAddress | x86::kApicBaseEnable | x86::kApicBaseBsp;
    // ET is hardwired to 1 on every processor since the P6 (Intel SDM Vol. 3A 2.5).
    state.cr0 = x86::kCr0Pe | x86::kCr0Et;
    if (mode == EntryMode::ProtectedMode32) {
        set_segments(state, kBootCode32Selector);
        return state;
    }
    TRY(write_identity_page_tables(memory));
    set_segments(state, kBootCode64Selector);
    // Intel SDM Vol. 3A 9.8.5: IA-32e mode is PAE paging with EFER.LME, activated (LMA) by
    // CR0.PG.
    state.cr0 |= x86::kCr0Pg | x86::kCr0Ne;
    state.cr3 = pc::kPml4Address;
    state.cr4 = x86::kCr4Pae;
    state.efer = x86::kEferLme | x86::kEferLma;
    return state;
}

} // namespace vireo::boot
