#include "emu/block_cache.h"

#include <cstring>

#include "emu/decoder.h"
#include "emu/fault.h"
#include "emu/mmu.h"
#include "emu/registry.h"
#include "memory/guest_memory.h"

namespace vireo::emu {

namespace {

uint64_t block_key(uint64_t physical, CodeMode mode) {
    return physical | (static_cast<uint64_t>(mode) << 60);
}

// The physical address of an instruction fetch at `linear`, raising #PF if it has none.
// Fetching from something that is not RAM is not supported: #UD for the guest.
Translation fetch_translation(Cpu& cpu, uint64_t linear) {
    Translation const t = translate(cpu, linear, Access::Execute, cpu.cpl == 3);
    if (t.host == nullptr)
        raise_ud();
    return t;
}

uint32_t mark_page(Cpu& cpu, uint64_t physical, uint32_t& page) {
    CodePages& pages = *cpu.machine->code_pages;
    page = pages.page_index(physical);
    uint32_t const before = pages.word(page).load(std::memory_order_acquire);
    uint32_t const word = pages.mark_code(page);
    // This vCPU's own write translations for the page must go before the block runs; the
    // other vCPUs are told through kEventFlushWriteTlb.
    if (!CodePages::holds_code(before))
        cpu.tlb.flush_writes();
    return word;
}

} // namespace

Block const& BlockCache::find(Cpu& cpu) {
    uint64_t const linear = code_linear(cpu);
    if (Block const* fast = find_fast(cpu)) [[likely]]
        return *fast;

    unsigned const slot = Tlb::slot(linear);
    uint64_t physical = 0;
    if (cpu.tlb_exec[slot].tag == (linear >> kPageShift)) [[likely]]
        physical = cpu.tlb.info(Access::Execute, cpu.cpl == 3 ? 1 : 0)[slot].physical_page |
                   (linear & kPageOffsetMask);
    else
        physical = fetch_translation(cpu, linear).physical;

    // An entry that only a TLB flush voided still holds if the page maps where it did: a
    // CR3 load keeps the kernel's global pages, and an INVLPG rarely touches code.
    JumpEntry& entry = jump_[jump_slot(linear)];
    if (entry.linear == linear && entry.generation == generation_ && entry.cpl == cpu.cpl &&
        entry.block->physical == physical && entry.block->mode == cpu.code_mode) {
        entry.tlb_generation = cpu.tlb.generation();
        return *entry.block;
    }

    CodePages& pages = *cpu.machine->code_pages;
    Block* block = nullptr;
    auto const it = blocks_.find(block_key(physical, cpu.code_mode));
    if (it != blocks_.end() && it->second->valid(pages)) {
        block = it->second.get();
    } else {
        if (it != blocks_.end()) {
            retire(std::move(it->second));
            blocks_.erase(it);
        }
        block = build(cpu, linear, physical);
    }
    // The cache may have been emptied (clear()) or moved to a new generation by build().
    entry = {linear, block, generation_, cpu.tlb.generation(), cpu.cpl};
    return *block;
}

Block* BlockCache::build(Cpu& cpu, uint64_t linear, uint64_t physical) {
    if (blocks_.size() >= kMaxBlocks)
        clear();
    auto block = std::make_unique<Block>();
    block->physical = physical;
    block->mode = cpu.code_mode;
    block->words[0] = mark_page(cpu, physical, block->pages[0]);
    block->pages[1] = block->pages[0];
    block->words[1] = block->words[0];

    uint8_t const* page = cpu.machine->memory->host_pointer(physical & ~kPageOffsetMask, kPageSize);
    uint64_t offset = physical & kPageOffsetMask;
    std::vector<Insn> insns;
    while (insns.size() < kMaxInstructions && offset < kPageSize) {
        Decoded decoded = decode_instruction(cpu.code_mode, page + offset, kPageSize - offset);
        if (decoded.insn.length == 0) {
            // The instruction continues on the next page. Only the block's first instruction
            // fetches it (faulting if it must); otherwise the block ends before it.
            if (!insns.empty())
                break;
            uint8_t bytes[16] = {};
            size_t const first = kPageSize - offset;
            std::memcpy(bytes, page + offset, first);
            uint64_t const next_linear = (linear + first) & cpu.linear_mask;
            Translation const next = fetch_translation(cpu, next_linear);
            std::memcpy(bytes + first, next.host, sizeof(bytes) - first);
            block->words[1] = mark_page(cpu, next.physical, block->pages[1]);
            block->words[0] = cpu.machine->code_pages->word(block->pages[0]).load();
            decoded = decode_instruction(cpu.code_mode, bytes, sizeof(bytes) - 1);
            if (decoded.insn.length == 0)
                decoded.insn.length = 1; // undecodable: handle_undefined raises #UD
            decoded.insn.end_offset = decoded.insn.length;
            insns.push_back(decoded.insn);
            break;
        }
        offset += decoded.insn.length;
        decoded.insn.end_offset = static_cast<uint16_t>(offset - (physical & kPageOffsetMask));
        insns.push_back(decoded.insn);
        if ((decoded.flags & kEndsBlock) != 0)
            break;
    }
    block->count = static_cast<uint32_t>(insns.size());
    Insn sentinel;
    sentinel.exec = end_of_block;
    insns.push_back(sentinel);
    block->insns = std::make_unique<Insn[]>(insns.size());
    std::copy(insns.begin(), insns.end(), block->insns.get());
    Block* const raw = block.get();
    blocks_[block_key(physical, cpu.code_mode)] = std::move(block);
    return raw;
}

void BlockCache::retire(std::unique_ptr<Block> block) {
    retired_.push_back(std::move(block));
    if (retired_.size() >= kMaxRetired) {
        jump_.fill(JumpEntry{});
        retired_.clear();
        ++generation_;
    }
}

void BlockCache::clear() {
    ++generation_;
    jump_.fill(JumpEntry{});
    retired_.clear();
    blocks_.clear();
}

} // namespace vireo::emu
