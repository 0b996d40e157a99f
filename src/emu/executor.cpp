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

} // namespace

ExecResult execute(Cpu& cpu, BlockCache& cache, uint64_t max_instructions, TraceRing* trace) {
    uint64_t const stop_at = cpu.instructions + max_instructions;
    while (cpu.events.load(std::memory_order_relaxed) == 0) {
        if (cpu.halted)
            return {ExecStatus::Halted};
        if (cpu.instructions >= stop_at)
            return {ExecStatus::Event};
        GuestFault fault{};
        bool ok = false;
        if (trace != nullptr)
            trace->record(cpu.rip());
        try {
            ok = run_block(cpu, cache.find(cpu), fault);
        } catch (GuestFault const& fetch_fault) {
            fault = fetch_fault; // the first instruction could not be fetched
        }
        if (ok)
            continue;
        if (cpu.stop_on_exception)
            return {ExecStatus::Exception, fault};
        if (!deliver_exception(cpu, fault))
            return {ExecStatus::TripleFault, fault};
    }
    return {ExecStatus::Event};
}

} // namespace vireo::emu
