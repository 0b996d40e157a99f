#include "emu/executor.h"

#include "base/trace.h"
#include "emu/interrupts.h"

namespace vireo::emu {

namespace {

// Runs one block. The only work per instruction is advancing RIP and one indirect call.
// A GuestFault thrown by a handler rewinds RIP to the faulting instruction, whose partial
// effects the handler itself has undone.
bool run_block(Cpu& cpu, Block const& block, GuestFault& fault) {
    Insn const* insn = block.insns.get();
    Insn const* const end = insn + block.count;
    uint64_t rip = cpu.regs[kRegRip];
    try {
        for (; insn != end; ++insn) {
            rip = cpu.regs[kRegRip];
            cpu.regs[kRegRip] = rip + insn->length;
            insn->handler(cpu, *insn);
        }
    } catch (GuestFault const& raised) {
        cpu.set_rip(rip);
        cpu.instructions += static_cast<uint64_t>(insn - block.insns.get());
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
            Block const* next = link.block;
            if (next->mode == cpu.code_mode && next->valid(*cpu.machine->code_pages))
                return next;
            return nullptr;
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
    while (cpu.events.load(std::memory_order_relaxed) == 0) {
        if (cpu.halted)
            return {ExecStatus::Halted};
        if (cpu.instructions >= stop_at)
            return {ExecStatus::Event};
        if (trace != nullptr)
            trace->record(cpu.rip());
        GuestFault fault{};
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
