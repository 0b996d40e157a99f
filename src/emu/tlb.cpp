#include "emu/tlb.h"

namespace vireo::emu {

void Tlb::flush_all() {
    ++generation_;
    has_large_pages_ = false;
    for (auto& user : entries_)
        for (auto& table : user)
            for (auto& entry : table)
                entry.tag = ~0ULL;
}

void Tlb::fill(Access access, unsigned user, uint64_t linear, uint8_t* host_page,
               TlbInfo const& info) {
    unsigned const index = slot(linear);
    TlbEntry& entry = table(access, user)[index];
    entry.tag = linear >> kPageShift;
    entry.addend = reinterpret_cast<uintptr_t>(host_page) - (linear & ~kPageOffsetMask);
    this->info(access, user)[index] = info;
    if (info.page_shift > kPageShift)
        has_large_pages_ = true;
}

void Tlb::flush_non_global() {
    ++generation_;
    for (unsigned user = 0; user < 2; ++user)
        for (unsigned access = 0; access < 3; ++access)
            for (unsigned i = 0; i < kTlbSize; ++i)
                if (!info_[user][access][i].global)
                    entries_[user][access][i].tag = ~0ULL;
}

void Tlb::flush_page(uint64_t virtual_address) {
    ++generation_;
    // INVLPG drops the whole translation that holds the address, even a 2 MiB or 1 GiB page
    // (Intel SDM Vol. 3A 4.10.4.1); such pages are entered here per 4 KiB piece, so every
    // piece of a large page containing the address goes.
    for (auto& user : entries_)
        for (auto& table : user)
            table[slot(virtual_address)].tag = ~0ULL;
    if (!has_large_pages_)
        return;
    for (unsigned user = 0; user < 2; ++user)
        for (unsigned access = 0; access < 3; ++access)
            for (unsigned i = 0; i < kTlbSize; ++i) {
                TlbEntry& entry = entries_[user][access][i];
                unsigned const shift = info_[user][access][i].page_shift;
                if (shift > kPageShift &&
                    ((entry.tag << kPageShift) >> shift) == (virtual_address >> shift))
                    entry.tag = ~0ULL;
            }
}

void Tlb::flush_writes() {
    for (auto& user : entries_)
        for (auto& entry : user[static_cast<unsigned>(Access::Write)])
            entry.tag = ~0ULL;
}

} // namespace vireo::emu
