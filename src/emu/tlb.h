// The software TLB: per vCPU, direct-mapped, one table per access kind (read, write,
// execute) and privilege (supervisor, user). An entry maps a virtual page to the host address
// of the guest RAM page behind it, as an addend: host = virtual + addend. Only RAM is ever
// cached: MMIO pages, and pages holding decoded code in the write tables, always miss, which
// is how writes to code are noticed without a check on the fast path.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vireo::emu {

inline constexpr unsigned kPageShift = 12;
inline constexpr uint64_t kPageSize = 1ULL << kPageShift;
inline constexpr uint64_t kPageOffsetMask = kPageSize - 1;

// What the fast path reads: 16 bytes, so the tables for one privilege fit in L1/L2.
struct TlbEntry {
    uint64_t tag = ~0ULL; // virtual page number; all ones = empty
    uintptr_t addend = 0;
};

// What only misses, flushes and block look-ups read, kept apart from the hot entries.
struct TlbInfo {
    uint64_t physical_page = 0;      // guest-physical address of the page
    bool global = false;             // survives CR3 reloads (Intel SDM Vol. 3A 4.10.2.4)
    uint8_t page_shift = kPageShift; // size of the guest page this 4 KiB piece belongs to
};

enum class Access : uint8_t { Read = 0, Write = 1, Execute = 2 };
inline constexpr unsigned kTlbBits = 10;
inline constexpr unsigned kTlbSize = 1U << kTlbBits;

class Tlb {
public:
    // The table for an access kind at a privilege (0 = supervisor, 1 = user).
    TlbEntry* table(Access access, unsigned user) {
        return entries_[user][static_cast<unsigned>(access)];
    }
    TlbInfo* info(Access access, unsigned user) {
        return info_[user][static_cast<unsigned>(access)];
    }
    void fill(Access access, unsigned user, uint64_t linear, uint8_t* host_page,
              TlbInfo const& info);
    static unsigned slot(uint64_t virtual_address) {
        return static_cast<unsigned>(virtual_address >> kPageShift) & (kTlbSize - 1);
    }

    void flush_all();
    void flush_non_global();
    void flush_page(uint64_t virtual_address);
    void flush_writes();

    // Advances whenever translations may have changed (not when entries are merely added):
    // chained blocks check it to know their successor's translation still holds.
    uint64_t generation() const { return generation_; }

private:
    uint64_t generation_ = 0;
    // The 2 MiB and 1 GiB guest pages with pieces in the TLB, as (address >> shift, shift),
    // so that INVLPG of an address outside all of them needs no scan. Past kMaxLargePages
    // distinct pages, every INVLPG scans.
    struct LargePage {
        uint64_t number;
        uint8_t shift;
    };
    static constexpr size_t kMaxLargePages = 256;
    LargePage large_pages_[kMaxLargePages];
    size_t large_page_count_ = 0;
    bool large_pages_overflowed_ = false;
    void note_large_page(uint64_t linear, uint8_t shift);
    bool in_large_page(uint64_t linear) const;
    TlbEntry entries_[2][3][kTlbSize];
    TlbInfo info_[2][3][kTlbSize];
};

} // namespace vireo::emu
