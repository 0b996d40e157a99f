#include "emu/tlb.h"

namespace vireo::emu {

void Tlb::flush_all() {
    ++generation_;
    large_page_count_ = 0;
    large_pages_overflowed_ = false;
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
        note_large_page(linear, info.page_shift);
}

void Tlb::note_large_page(uint64_t linear, uint8_t shift) {
    if (in_large_page(linear))
        return;
    if (large_page_count_ == kMaxLargePages) {
        large_pages_overflowed_ = true;
        return;
    }
    large_pages_[large_page_count_++] = {linear >> shift, shift};
}

bool Tlb::in_large_page(uint64_t linear) const {
    if (large_pages_overflowed_)
        return true;
    for (size_t i = 0; i < large_page_count_; ++i)
        if ((linear >> large_pages_[i].shift) == large_pages_[i].number)
            return true;
    return false;
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
    if (!in_large_page(virtual_address))
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
