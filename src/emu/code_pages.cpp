#include "emu/code_pages.h"

#include "emu/tlb.h"

namespace vireo::emu {

CodePages::CodePages(GuestMemory const& memory) {
    uint32_t pages = 0;
    for (auto const& region : memory.regions()) {
        ranges_.push_back({region.guest_address, region.size, pages});
        pages += static_cast<uint32_t>(region.size >> kPageShift);
    }
    words_ = std::make_unique<std::atomic<uint32_t>[]>(pages);
}

uint32_t CodePages::page_index(uint64_t physical) const {
    for (auto const& range : ranges_) {
        uint64_t const offset = physical - range.guest_address;
        if (physical >= range.guest_address && offset < range.size)
            return range.first_page + static_cast<uint32_t>(offset >> kPageShift);
    }
    return kNoPage;
}

uint32_t CodePages::mark_code(uint32_t page) {
    uint32_t const before = words_[page].fetch_or(1, std::memory_order_acq_rel);
    if (!holds_code(before)) {
        std::lock_guard lock(listeners_mutex_);
        for (auto const& listener : listeners_)
            listener();
    }
    return before | 1;
}

void CodePages::invalidate_page(uint32_t page) {
    // Clears the code bit and advances the generation in one step.
    uint32_t word = words_[page].load(std::memory_order_relaxed);
    while (holds_code(word)) {
        if (words_[page].compare_exchange_weak(word, (word | 1) + 1, std::memory_order_acq_rel)) {
            generation_.fetch_add(1, std::memory_order_acq_rel);
            return;
        }
    }
}

void CodePages::invalidate_range(uint64_t physical, uint64_t length) {
    if (length == 0)
        return;
    uint64_t const first = physical >> kPageShift;
    uint64_t const last = (physical + length - 1) >> kPageShift;
    for (uint64_t page = first; page <= last; ++page) {
        uint32_t const index = page_index(page << kPageShift);
        if (index != kNoPage)
            invalidate_page(index);
    }
}

void CodePages::add_listener(std::function<void()> on_new_code_page) {
    std::lock_guard lock(listeners_mutex_);
    listeners_.push_back(std::move(on_new_code_page));
}

} // namespace vireo::emu
