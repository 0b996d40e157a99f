// Which guest RAM pages hold decoded code, shared by all vCPUs. Each 4 KiB page of RAM has one
// atomic word: bit 0 says "blocks were decoded from this page", the other bits are a
// generation that a write to the page bumps. A block remembers the word it saw when it was
// decoded and is valid while the word is unchanged: one load before each block runs.
// Pages with code are kept out of every vCPU's write TLB, so that the writes that must
// invalidate blocks take the slow path and ordinary writes stay fast.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "memory/guest_memory.h"

namespace vireo::emu {

class CodePages {
public:
    explicit CodePages(GuestMemory const& memory);

    // The index of the RAM page holding `physical`, or kNoPage outside RAM.
    static constexpr uint32_t kNoPage = ~0U;
    uint32_t page_index(uint64_t physical) const;

    std::atomic<uint32_t>& word(uint32_t page) { return words_[page]; }
    static bool holds_code(uint32_t word) { return (word & 1) != 0; }

    // Marks a page as holding code and returns its word. The first time a page is marked,
    // every vCPU is told to drop its write TLB (the `on_new_code_page` callbacks).
    uint32_t mark_code(uint32_t page);

    // A write went to a page holding code: every block decoded from it becomes invalid.
    void invalidate_page(uint32_t page);

    // Invalidates blocks overlapping [physical, physical + length), for DMA and loaders.
    void invalidate_range(uint64_t physical, uint64_t length);

    // Called, from the marking thread, when a page first holds code.
    void add_listener(std::function<void()> on_new_code_page);

    // Advances whenever blocks somewhere become invalid: executors drop their block links
    // when it moves, so a linked block needs no per-page check of its own.
    uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

private:
    struct Range {
        uint64_t guest_address;
        uint64_t size;
        uint32_t first_page;
    };
    std::vector<Range> ranges_;
    std::unique_ptr<std::atomic<uint32_t>[]> words_;
    std::atomic<uint64_t> generation_{0};
    std::mutex listeners_mutex_;
    std::vector<std::function<void()>> listeners_;
};

} // namespace vireo::emu
