// vireo's JIT: translates a vCPU's hot 64-bit blocks into host code (translator.h) and runs
// them in place of the interpreter. The executor (executor.cpp) offers every block to
// run(); a block is interpreted until it has run `threshold` times, then translated once
// and entered from then on. Translated blocks chain into each other through links checked
// against an epoch; an indirect branch whose link misses looks its target up in the indirect
// table (indirect_table.h). They return to the executor for events, the instruction budget,
// faults, and links and table entries not yet made.
//
// Epochs. A link from a block's exit to the translation of its target holds as long as the
// translation of the target's address, the blocks and the code they were decoded from are
// unchanged. The executor observes the TLB, block-cache and code-page generations before
// each run; when any moved, the epoch advances and every link is void at once. Inside a run
// they change only in C++ code (a helper or a TLB miss), which then ends the run at the
// next block boundary (runtime.cpp). Another vCPU's write to code is seen at this vCPU's
// next return to the executor, which serializing instructions, interrupts and the
// 20,000-instruction timer slices all cause.
#pragma once

#include <cstdint>
#include <memory>

#include "emu/block_cache.h"
#include "emu/cpu.h"
#include "emu/fault.h"
#include "emu/jit/code_cache.h"
#include "emu/jit/emitter.h"
#include "emu/jit/indirect_table.h"
#include "emu/jit/runtime.h"
#include "emu/jit/translator.h"

namespace vireo::emu::jit {

struct Config {
    bool enabled = true;
    // Interpreted runs of a block before it is translated (0: translated on its first run).
    uint32_t threshold = 8;
    size_t cache_bytes = size_t{64} << 20;

    // VIREO_EMU_JIT=0 turns the JIT off; VIREO_EMU_JIT_THRESHOLD=N sets the threshold.
    static Config from_environment();
};

// Block::heat of a block that is never to be translated.
inline constexpr uint32_t kNeverTranslate = 0x80000000;

class Jit {
public:
    Jit(Cpu& cpu, Config const& config);
    ~Jit();
    Jit(Jit const&) = delete;
    Jit& operator=(Jit const&) = delete;

    enum class Outcome {
        NotRun,  // the interpreter runs the block
        Ran,     // translated code ran; RIP is where the guest goes next
        Faulted, // `fault` happened at RIP
    };
    Outcome run(Cpu& cpu, BlockCache& blocks, Block const& block, GuestFault& fault);

    // For blocks the interpreter is about to chain into: counts the run and says whether
    // the block is hot, so that the executor should take over.
    bool wants(Block const& block) const {
        if (!enabled_ || block.mode != CodeMode::Bits64 || block.heat >= kNeverTranslate)
            return false;
        if (block.heat < config_.threshold)
            ++block.heat;
        return block.heat >= config_.threshold;
    }
    bool enabled() const { return enabled_; }

    struct Stats {
        uint64_t translations = 0;
        uint64_t failures = 0;
        uint64_t flushes = 0;
        uint64_t entries = 0;
    };
    Stats const& stats() const { return stats_; }

private:
    static constexpr uint8_t kMaxRetranslations = 4;

    bool ensure_code_cache();
    Translation const* translation_for(Cpu& cpu, Block const& block);
    Translation const* translate(Cpu& cpu, Block const& block, uint8_t retranslations);
    void observe(Cpu const& cpu, BlockCache const& blocks);
    void link_pending(Cpu const& cpu, Translation const& next);
    Outcome enter(Cpu& cpu, Translation const& translation, GuestFault& fault);
    void flush();

    Config config_;
    bool enabled_;
    std::unique_ptr<CodeCache> cache_;
    Stubs stubs_;
    IndirectTable indirect_;
    EmitEnv env_;
    RunState state_;
    uint64_t epoch_ = 1;
    uint64_t seen_tlb_ = ~0ULL;
    uint64_t seen_blocks_ = ~0ULL;
    uint64_t seen_code_ = ~0ULL;
    // The direct exit the last run left through, linked when its target runs translated.
    ChainSlot* pending_ = nullptr;
    Stats stats_;
};

// This vCPU's Jit, made on first use with the environment's configuration unless a test
// put one in BlockCache::jit; nullptr when the JIT is off.
Jit* attach(Cpu& cpu, BlockCache& blocks);

} // namespace vireo::emu::jit
