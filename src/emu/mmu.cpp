#include "emu/mmu.h"

#include <atomic>

#include "emu/fault.h"
#include "memory/guest_memory.h"

namespace vireo::emu {

namespace {

// Paging-structure entry bits (Intel SDM Vol. 3A 4.5.5, Tables 4-15 to 4-20).
constexpr uint64_t kPtePresent = 1ULL << 0;
constexpr uint64_t kPteWritable = 1ULL << 1;
constexpr uint64_t kPteUser = 1ULL << 2;
constexpr uint64_t kPteAccessed = 1ULL << 5;
constexpr uint64_t kPteDirty = 1ULL << 6;
constexpr uint64_t kPteLarge = 1ULL << 7;
constexpr uint64_t kPteGlobal = 1ULL << 8;
constexpr uint64_t kPteNoExecute = 1ULL << 63;
constexpr uint64_t kAddressBits = ((1ULL << kPhysicalAddressBits) - 1) & ~kPageOffsetMask;
// Bits between MAXPHYADDR and 51 must be zero (Intel SDM Vol. 3A 4.5.4).
constexpr uint64_t kHighReserved = ((1ULL << 52) - 1) & ~((1ULL << kPhysicalAddressBits) - 1);

struct Walk {
    uint64_t physical = 0;
    bool writable = true;
    bool user = true;
    bool no_execute = false;
    bool global = false;
    uint8_t page_shift = kPageShift;
};

struct Request {
    uint64_t linear;
    Access access;
    bool user;
};

[[noreturn]] void page_fault(Cpu& cpu, Request const& request, uint32_t bits) {
    // Intel SDM Vol. 3A 4.7: the error code describes the access, CR2 holds its address.
    uint32_t code = bits;
    if (request.access == Access::Write)
        code |= kPfWrite;
    if (request.user)
        code |= kPfUser;
    if (request.access == Access::Execute && (cpu.efer & x86::kEferNxe) != 0)
        code |= kPfFetch;
    cpu.cr2 = request.linear;
    raise_fault(x86::Vector::PageFault, code);
}

// Reads a paging-structure entry of 4 or 8 bytes; one outside RAM reads as not present.
template <typename T>
T* entry_pointer(Cpu& cpu, uint64_t physical) {
    return reinterpret_cast<T*>(cpu.machine->memory->host_pointer(physical, sizeof(T)));
}

// Sets accessed (and dirty) bits with an atomic OR, as the processor's locked update does.
template <typename T>
void set_bits(T* entry, T bits) {
    std::atomic_ref<T> ref(*entry);
    if ((ref.load(std::memory_order_relaxed) & bits) != bits)
        ref.fetch_or(bits, std::memory_order_relaxed);
}

template <typename T>
T load_entry(T* entry) {
    return entry ? std::atomic_ref<T>(*entry).load(std::memory_order_relaxed) : 0;
}

void check_rights(Cpu& cpu, Request const& r, Walk const& w) {
    // Intel SDM Vol. 3A 4.6.1: user accesses need U/S set in every level, writes need R/W
    // (for supervisor writes only when CR0.WP is set); fetches fail on XD pages.
    if (r.user && !w.user)
        page_fault(cpu, r, kPfPresent);
    if (r.access == Access::Write && !w.writable && (r.user || (cpu.cr0 & x86::kCr0Wp) != 0))
        page_fault(cpu, r, kPfPresent);
    if (r.access == Access::Execute && w.no_execute)
        page_fault(cpu, r, kPfPresent);
}

// 4-level paging (Intel SDM Vol. 3A 4.5) and PAE paging (4.4) share entry formats below the
// top; `levels` is 4 or 3 (PAE starts at the PDPT, whose entries have no rights bits).
Walk walk_64(Cpu& cpu, Request const& r, uint64_t** leaf_out) {
    bool const nxe = (cpu.efer & x86::kEferNxe) != 0;
    uint64_t const nx_reserved = nxe ? 0 : kPteNoExecute;
    bool const pae32 = !cpu.long_mode_active;
    Walk w;
    uint64_t table = cpu.cr3 & kAddressBits;
    int level = 4;
    if (pae32) {
        // PAE: CR3[31:5] locates four PDPTEs (Intel SDM Vol. 3A 4.4.1).
        uint64_t* pdpte =
            entry_pointer<uint64_t>(cpu, (cpu.cr3 & 0xffffffe0) + ((r.linear >> 30) & 3) * 8);
        uint64_t const e = load_entry(pdpte);
        if ((e & kPtePresent) == 0)
            page_fault(cpu, r, 0);
        // Bits 2:1 and 8:5 of a PAE PDPTE are reserved (Intel SDM Vol. 3A 4.4.1, Table 4-8).
        if ((e & (kHighReserved | 0x1e6 | kPteNoExecute)) != 0)
            page_fault(cpu, r, kPfPresent | kPfReservedBit);
        table = e & kAddressBits;
        level = 2;
    }
    for (; level >= 1; --level) {
        unsigned const shift = kPageShift + 9 * (level - 1);
        uint64_t* entry = entry_pointer<uint64_t>(cpu, table + ((r.linear >> shift) & 511) * 8);
        uint64_t const e = load_entry(entry);
        if ((e & kPtePresent) == 0)
            page_fault(cpu, r, 0);
        bool const large = level <= 3 && level >= 2 && (e & kPteLarge) != 0;
        uint64_t reserved = kHighReserved | nx_reserved;
        if (level == 4)
            reserved |= kPteLarge; // PS is reserved in a PML4E (Intel SDM Vol. 3A Table 4-15)
        if (large) // address bits below the page size, except PAT (bit 12), are reserved
            reserved |= ((1ULL << shift) - 1) & ~0x1fffULL;
        if ((e & reserved) != 0)
            page_fault(cpu, r, kPfPresent | kPfReservedBit);
        w.writable = w.writable && (e & kPteWritable) != 0;
        w.user = w.user && (e & kPteUser) != 0;
        w.no_execute = w.no_execute || (nxe && (e & kPteNoExecute) != 0);
        set_bits<uint64_t>(entry, kPteAccessed);
        if (level == 1 || large) {
            uint64_t const page_mask = (1ULL << shift) - 1;
            w.physical = ((e & kAddressBits) & ~page_mask) | (r.linear & page_mask);
            w.global = (e & kPteGlobal) != 0 && (cpu.cr4 & x86::kCr4Pge) != 0;
            w.page_shift = static_cast<uint8_t>(shift);
            *leaf_out = entry;
            return w;
        }
        table = e & kAddressBits;
    }
    return w; // not reached: level 1 always returns
}

// 32-bit paging (Intel SDM Vol. 3A 4.3), with 4 MiB pages when CR4.PSE is set.
Walk walk_32(Cpu& cpu, Request const& r, uint32_t** leaf_out) {
    Walk w;
    uint32_t const linear = static_cast<uint32_t>(r.linear);
    uint32_t* pde = entry_pointer<uint32_t>(cpu, (cpu.cr3 & 0xfffff000) + (linear >> 22) * 4);
    uint32_t const d = load_entry(pde);
    if ((d & kPtePresent) == 0)
        page_fault(cpu, r, 0);
    set_bits<uint32_t>(pde, kPteAccessed);
    w.writable = (d & kPteWritable) != 0;
    w.user = (d & kPteUser) != 0;
    if ((d & kPteLarge) != 0 && (cpu.cr4 & x86::kCr4Pse) != 0) {
        w.physical = (d & 0xffc00000) | (linear & 0x3fffff);
        w.global = (d & kPteGlobal) != 0 && (cpu.cr4 & x86::kCr4Pge) != 0;
        w.page_shift = 22;
        *leaf_out = pde;
        return w;
    }
    uint32_t* pte = entry_pointer<uint32_t>(cpu, (d & 0xfffff000) + ((linear >> 12) & 1023) * 4);
    uint32_t const t = load_entry(pte);
    if ((t & kPtePresent) == 0)
        page_fault(cpu, r, 0);
    set_bits<uint32_t>(pte, kPteAccessed);
    w.writable = w.writable && (t & kPteWritable) != 0;
    w.user = w.user && (t & kPteUser) != 0;
    w.physical = (t & 0xfffff000) | (linear & 0xfff);
    w.global = (t & kPteGlobal) != 0 && (cpu.cr4 & x86::kCr4Pge) != 0;
    *leaf_out = pte;
    return w;
}

Walk walk(Cpu& cpu, Request const& r) {
    Walk w;
    if (!cpu.paging()) {
        w.physical = r.linear & cpu.linear_mask;
        return w;
    }
    if ((cpu.cr4 & x86::kCr4Pae) != 0) {
        uint64_t* leaf = nullptr;
        w = walk_64(cpu, r, &leaf);
        check_rights(cpu, r, w);
        if (r.access == Access::Write)
            set_bits<uint64_t>(leaf, kPteDirty);
    } else {
        uint32_t* leaf = nullptr;
        w = walk_32(cpu, r, &leaf);
        check_rights(cpu, r, w);
        if (r.access == Access::Write)
            set_bits<uint32_t>(leaf, kPteDirty);
    }
    return w;
}

} // namespace

Translation translate(Cpu& cpu, uint64_t linear, Access access, bool user) {
    Request const request{linear, access, user};
    // In 64-bit mode addresses must be canonical (Intel SDM Vol. 3A 3.3.7.1); the fault is
    // #GP (or #SS for stack references, which callers that care check themselves).
    if (cpu.long_mode_active) {
        int64_t const high = static_cast<int64_t>(linear) >> (kLinearAddressBits - 1);
        if (high != 0 && high != -1)
            raise_gp(0);
    }
    Walk const w = walk(cpu, request);
    uint64_t const page = w.physical & ~kPageOffsetMask;
    uint8_t* host = cpu.machine->memory->host_pointer(page, kPageSize);
    if (host == nullptr)
        return {w.physical, nullptr};
    bool cacheable = true;
    if (access == Access::Write) {
        uint32_t const index = cpu.machine->code_pages->page_index(page);
        cacheable = index == CodePages::kNoPage ||
                    !CodePages::holds_code(
                        cpu.machine->code_pages->word(index).load(std::memory_order_acquire));
    }
    if (cacheable) {
        cpu.tlb.fill(access, user ? 1 : 0, linear, host, {page, w.global, w.page_shift});
    }
    return {w.physical, host + (w.physical & kPageOffsetMask)};
}

std::optional<uint64_t> probe_physical(Cpu& cpu, uint64_t linear) {
    if (!cpu.paging())
        return linear & cpu.linear_mask;
    uint64_t const saved_cr2 = cpu.cr2;
    try {
        Walk const w = walk(cpu, {linear, Access::Read, false});
        return w.physical;
    } catch (GuestFault const&) {
        cpu.cr2 = saved_cr2;
        return std::nullopt;
    }
}

} // namespace vireo::emu
