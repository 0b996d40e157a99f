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

void Tlb::flush_non_global() {
    ++generation_;
    for (auto& user : entries_)
        for (auto& table : user)
            for (auto& entry : table)
                if (!entry.global)
                    entry.tag = ~0ULL;
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
    for (auto& user : entries_)
        for (auto& table : user)
            for (auto& entry : table)
                if (entry.page_shift > kPageShift &&
                    ((entry.tag << kPageShift) >> entry.page_shift) ==
                        (virtual_address >> entry.page_shift))
                    entry.tag = ~0ULL;
}

void Tlb::flush_writes() {
    for (auto& user : entries_)
        for (auto& entry : user[static_cast<unsigned>(Access::Write)])
            entry.tag = ~0ULL;
}

} // namespace vireo::emu
