// Decoded blocks and their cache, per vCPU. A block is a straight-line run of pre-decoded
// instructions ending at a control transfer, an instruction that changes mode or paging, or
// the end of a 4 KiB page. Blocks are keyed by the guest-physical address of their first
// byte and the code mode, and stay valid while the code-page words of their pages are
// unchanged (code_pages.h). In front of the hash map sits a direct-mapped jump cache indexed
// by linear RIP, validated against the current translation through the execute TLB.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "emu/cpu.h"
#include "emu/insn.h"

namespace vireo::emu {

namespace jit {
class Jit;
}

struct Block {
    uint64_t physical = 0;
    CodeMode mode = CodeMode::Bits64;
    uint32_t count = 0;
    uint32_t pages[2] = {0, 0};
    uint32_t words[2] = {0, 0};
    std::unique_ptr<Insn[]> insns;

    // Block chaining: the last two successors this block jumped to, so the executor can go
    // on without a look-up. A link holds while the TLB and the cache are at the generations
    // it was made in.
    struct Link {
        uint64_t rip = ~0ULL;
        Block const* block = nullptr;
        uint64_t tlb_generation = 0;
        uint64_t cache_generation = 0;
    };
    mutable Link links[2];
    mutable uint8_t next_link = 0;

    // The JIT's view (jit/jit.h): interpreted runs counted towards translation, and the
    // translation, which holds while `jit_generation` is its code cache's generation.
    mutable uint32_t heat = 0;
    mutable uint32_t jit_generation = 0;
    mutable void const* jit = nullptr;

    bool valid(CodePages& code_pages) const {
        return code_pages.word(pages[0]).load(std::memory_order_relaxed) == words[0] &&
               code_pages.word(pages[1]).load(std::memory_order_relaxed) == words[1];
    }
};

// The linear address of CS:RIP.
inline uint64_t code_linear(Cpu const& cpu) {
    if (cpu.code_mode == CodeMode::Bits64)
        return cpu.rip();
    return (cpu.seg[kSegCs].base + cpu.rip()) & 0xffffffff;
}

class BlockCache {
public:
    BlockCache() = default;
    BlockCache(BlockCache const&) = delete;
    BlockCache& operator=(BlockCache const&) = delete;

    // The block at the current CS:RIP, decoded now if needed. Raises #PF (or #GP for a
    // non-canonical RIP) as a GuestFault when the first instruction cannot be fetched.
    Block const& find(Cpu& cpu);

    // The jump cache alone: the block at CS:RIP if an entry for it still holds, else nullptr
    // (then find() does the rest).
    Block const* find_fast(Cpu const& cpu) const {
        uint64_t const linear = code_linear(cpu);
        JumpEntry const& jump = jump_[jump_slot(linear)];
        if (jump.linear == linear && jump.generation == generation_ &&
            jump.tlb_generation == cpu.tlb.generation() && jump.cpl == cpu.cpl &&
            jump.block->mode == cpu.code_mode)
            return jump.block;
        return nullptr;
    }

    void clear();
    size_t size() const { return blocks_.size(); }
    // Advances when blocks are freed or any code page was invalidated, which breaks links.
    uint64_t generation() const { return generation_; }
    // Called before each block with CodePages::generation().
    void observe_code_generation(uint64_t code_generation) {
        if (code_generation != code_generation_) [[unlikely]] {
            code_generation_ = code_generation;
            ++generation_;
        }
    }

    // The most instructions in a block, so that one block cannot hold up interrupts long.
    static constexpr uint32_t kMaxInstructions = 128;

    // This vCPU's translator of hot blocks (jit/jit.h), made by the executor on first use.
    std::shared_ptr<jit::Jit> jit;

private:
    // A jump-cache entry holds, without further checks, while the TLB and the cache are at
    // the generations it was made in and the privilege is the same.
    struct JumpEntry {
        uint64_t linear = ~0ULL;
        Block* block = nullptr;
        uint64_t generation = 0;
        uint64_t tlb_generation = 0;
        uint8_t cpl = 0;
    };
    static constexpr size_t kJumpCacheSize = 4096;
    static constexpr size_t kMaxBlocks = 1 << 18;
    static constexpr size_t kMaxRetired = 4096;

    static size_t jump_slot(uint64_t linear) {
        return (linear ^ (linear >> 12)) & (kJumpCacheSize - 1);
    }
    Block* build(Cpu& cpu, uint64_t linear, uint64_t physical);
    void retire(std::unique_ptr<Block> block);

    std::array<JumpEntry, kJumpCacheSize> jump_{};
    std::unordered_map<uint64_t, std::unique_ptr<Block>> blocks_;
    // Replaced blocks stay allocated until the jump cache is next emptied, which is the only
    // place still pointing at them.
    std::vector<std::unique_ptr<Block>> retired_;
    uint64_t generation_ = 1;
    uint64_t code_generation_ = 0;
};

} // namespace vireo::emu
