#include "emu/executor.h"

#include "base/trace.h"
#include "emu/interrupts.h"
#include "emu/jit/jit.h"
#include "emu/registry.h"

namespace vireo::emu {

namespace {

// The successor of `previous` at the current RIP if `previous` has a link to it that still
// holds, else nullptr. Links are only used in 64-bit mode, where RIP is the linear address.
// Invalidation of any code page has broken every link (observe_code_generation), so a link
// that holds leads to a valid block.
Block const* follow_link(Cpu& cpu, BlockCache const& cache, Block const* previous) {
    if (previous == nullptr || cpu.code_mode != CodeMode::Bits64)
        return nullptr;
    uint64_t const rip = cpu.rip();
    for (Block::Link const& link : previous->links) {
        if (link.rip == rip && link.tlb_generation == cpu.tlb.generation() &&
            link.cache_generation == cache.generation())
            return link.block->mode == cpu.code_mode ? link.block : nullptr;
    }
    return nullptr;
}

void add_link(Cpu& cpu, BlockCache const& cache, Block const* previous, Block const* next) {
    if (previous == nullptr || cpu.code_mode != CodeMode::Bits64)
        return;
    Block::Link& link = previous->links[previous->next_link++ & 1];
    link = {cpu.rip(), next, cpu.tlb.generation(), cache.generation()};
}

// Runs a block, and the blocks it chains into, as threaded code. A GuestFault thrown by a
// handler leaves RIP just past the faulting instruction (handlers change RIP only after their
// last access that can fault), and Cpu::current_block/block_rip name the block it is in, so
// its end offsets find that instruction; RIP is rewound to it and the instructions before it
// are counted.
bool run_block(Cpu& cpu, Block const& block, GuestFault& fault) {
    cpu.current_block = &block;
    cpu.block_rip = cpu.regs[kRegRip];
    cpu.chain_depth = 0;
    try {
        block.insns[0].exec(cpu, block.insns.get());
    } catch (GuestFault const& raised) {
        Block const& faulting = *cpu.current_block;
        uint64_t const start = cpu.block_rip;
        uint64_t const after = cpu.regs[kRegRip];
        uint32_t done = 0;
        while (done + 1 < faulting.count && start + faulting.insns[done].end_offset != after)
            ++done;
        cpu.set_rip(start + faulting.insns[done].end_offset - faulting.insns[done].length);
        cpu.instructions += done;
        fault = raised;
        return false;
    }
    return true;
}

} // namespace

// The end sentinel of every block: counts the block, then goes straight on into the linked
// successor when nothing needs the executor loop (a tail call, so the host stack stays flat).
void end_of_block(Cpu& cpu, Insn const*) {
    Block const* const block = cpu.current_block;
    cpu.instructions += block->count;
    constexpr uint32_t kMaxChain = 1024;
    if (!cpu.chain_blocks || cpu.events.load(std::memory_order_relaxed) != 0 || cpu.halted ||
        cpu.instructions >= cpu.stop_at || ++cpu.chain_depth > kMaxChain)
        return;
    BlockCache& cache = *cpu.block_cache;
    cache.observe_code_generation(cpu.machine->code_pages->generation());
    Block const* next = follow_link(cpu, cache, block);
    if (next == nullptr) {
        // Returns and indirect jumps miss the links; the jump cache often knows the target.
        next = cache.find_fast(cpu);
        if (next == nullptr)
            return;
        add_link(cpu, cache, block, next);
    }
    if (jit::Jit const* jit = cache.jit.get(); jit != nullptr && jit->wants(*next))
        return; // hot: the executor runs its translation
    cpu.current_block = next;
    cpu.block_rip = cpu.regs[kRegRip];
    return next->insns[0].exec(cpu, next->insns.get());
}

ExecResult execute(Cpu& cpu, BlockCache& cache, uint64_t max_instructions, TraceRing* trace) {
    uint64_t const stop_at = cpu.instructions + max_instructions;
    cpu.stop_at = stop_at;
    cpu.block_cache = &cache;
    // With a trace, every block goes through the loop so that it is recorded.
    cpu.chain_blocks = trace == nullptr;
    Block const* previous = nullptr;
    CodePages const& code_pages = *cpu.machine->code_pages;
    jit::Jit* const jit = jit::attach(cpu, cache);
    while (cpu.events.load(std::memory_order_relaxed) == 0) {
        if (cpu.halted)
            return {ExecStatus::Halted};
        if (cpu.instructions >= stop_at)
            return {ExecStatus::Event};
        if (trace != nullptr)
            trace->record(cpu.rip());
        GuestFault fault{};
        cache.observe_code_generation(code_pages.generation());
        Block const* block = follow_link(cpu, cache, previous);
        if (block == nullptr) {
            try {
                block = &cache.find(cpu);
            } catch (GuestFault const& fetch_fault) {
                fault = fetch_fault; // the first instruction could not be fetched
            }
            if (block != nullptr)
                add_link(cpu, cache, previous, block);
        }
        if (block != nullptr && jit != nullptr) {
            jit::Jit::Outcome const outcome = jit->run(cpu, cache, *block, fault);
            if (outcome == jit::Jit::Outcome::Ran) {
                previous = nullptr; // translated blocks link among themselves
                continue;
            }
            if (outcome == jit::Jit::Outcome::Faulted)
                block = nullptr;
        }
        if (block != nullptr && run_block(cpu, *block, fault)) {
            previous = cpu.current_block;
            continue;
        }
        previous = nullptr;
        if (cpu.stop_on_exception)
            return {ExecStatus::Exception, fault};
        if (!deliver_exception(cpu, fault))
            return {ExecStatus::TripleFault, fault};
    }
    return {ExecStatus::Event};
}

} // namespace vireo::emu
