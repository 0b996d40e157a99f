#include "emu/executor.h"

#include "base/trace.h"
#include "emu/interrupts.h"

namespace vireo::emu {

namespace {

// Runs one block as threaded code. A GuestFault thrown by a handler leaves RIP just past the
// faulting instruction (handlers change RIP only after their last access that can fault), so
// walking the block's lengths from its start finds that instruction; RIP is rewound to it and
// the instructions before it are counted.
bool run_block(Cpu& cpu, Block const& block, GuestFault& fault) {
    uint64_t const start = cpu.regs[kRegRip];
    cpu.block_rip = start;
    try {
        block.insns[0].exec(cpu, block.insns.get());
    } catch (GuestFault const& raised) {
        uint64_t const after = cpu.regs[kRegRip];
        uint32_t done = 0;
        while (done + 1 < block.count && start + block.insns[done].end_offset != after)
            ++done;
        cpu.set_rip(start + block.insns[done].end_offset - block.insns[done].length);
        cpu.instructions += done;
        fault = raised;
        return false;
    }
    cpu.instructions += block.count;
    return true;
}

// The successor of `previous` at the current RIP if `previous` has a link to it that still
// holds, else nullptr. Links are only used in 64-bit mode, where RIP is the linear address.
Block const* follow_link(Cpu& cpu, BlockCache const& cache, Block const* previous) {
    if (previous == nullptr || cpu.code_mode != CodeMode::Bits64)
        return nullptr;
    uint64_t const rip = cpu.rip();
    for (Block::Link const& link : previous->links) {
        if (link.rip == rip && link.tlb_generation == cpu.tlb.generation() &&
            link.cache_generation == cache.generation()) {
            // Invalidation of any code page has broken every link (observe_code_generation),
            // so a link that holds leads to a valid block.
            Block const* next = link.block;
            return next->mode == cpu.code_mode ? next : nullptr;
        }
    }
    return nullptr;
}

void add_link(Cpu& cpu, BlockCache const& cache, Block const* previous, Block const* next) {
    if (previous == nullptr || cpu.code_mode != CodeMode::Bits64)
        return;
    Block::Link& link = previous->links[previous->next_link++ & 1];
    link = {cpu.rip(), next, cpu.tlb.generation(), cache.generation()};
}

} // namespace

ExecResult execute(Cpu& cpu, BlockCache& cache, uint64_t max_instructions, TraceRing* trace) {
    uint64_t const stop_at = cpu.instructions + max_instructions;
    Block const* previous = nullptr;
    CodePages const& code_pages = *cpu.machine->code_pages;
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
        if (block != nullptr && run_block(cpu, *block, fault)) {
            previous = block;
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
