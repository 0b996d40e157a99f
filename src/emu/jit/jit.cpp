#include "emu/jit/jit.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include <cpuid.h>

#include "base/trace.h"

namespace vireo::emu::jit {

namespace {

// LAHF and SAHF, which translated code uses to move the guest flags, exist in 64-bit mode
// only where CPUID 8000_0001h reports LAHF-SAHF in ECX bit 0 (Intel SDM Vol. 2A "LAHF").
bool host_has_lahf() {
    constexpr unsigned kExtendedFeatures = 0x80000001;
    constexpr unsigned kLahfSahf = 1U << 0;
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    return __get_cpuid(kExtendedFeatures, &eax, &ebx, &ecx, &edx) != 0 && (ecx & kLahfSahf) != 0;
}

// Guest instructions a run may execute at most, far beyond any slice the executor asks for.
constexpr uint64_t kMaxBudget = uint64_t{1} << 62;

} // namespace

Config Config::from_environment() {
    Config config;
    if (char const* value = std::getenv("VIREO_EMU_JIT")) {
        if (std::strcmp(value, "0") == 0)
            config.enabled = false;
        else if (std::strcmp(value, "1") != 0)
            std::fprintf(stderr, "vireo: VIREO_EMU_JIT must be 0 or 1, not '%s': JIT on\n", value);
    }
    if (char const* value = std::getenv("VIREO_EMU_JIT_THRESHOLD")) {
        uint32_t threshold = 0;
        char const* end = value + std::strlen(value);
        auto const [ptr, error] = std::from_chars(value, end, threshold);
        if (error != std::errc() || ptr != end)
            std::fprintf(stderr, "vireo: VIREO_EMU_JIT_THRESHOLD must be a number, not '%s'\n",
                         value);
        else
            config.threshold = threshold;
    }
    return config;
}

Jit::Jit(Cpu& cpu, Config const& config)
    : config_(config)
    , enabled_(config.enabled && host_has_lahf()) {
    env_.layout = CpuLayout::of(cpu);
    env_.indirect_table = indirect_.data();
}

Jit::~Jit() {
    if (stats_.translations != 0)
        VIREO_TRACE(Emu, "jit: {} translations, {} failed, {} flushes, {} entries, {} KiB in use",
                    stats_.translations, stats_.failures, stats_.flushes, stats_.entries,
                    cache_ ? cache_->used() >> 10 : 0);
}

bool Jit::ensure_code_cache() {
    if (cache_ != nullptr)
        return true;
    auto created = CodeCache::create(config_.cache_bytes);
    if (!created) {
        VIREO_TRACE(Emu, "jit off: {}", created.error().message());
        enabled_ = false;
        return false;
    }
    cache_ = std::move(*created);
    stubs_ = write_stubs(*cache_);
    env_.exit_stub = stubs_.exit;
    return true;
}

Jit::Outcome Jit::run(Cpu& cpu, BlockCache& blocks, Block const& block, GuestFault& fault) {
    if (!enabled_ || block.mode != CodeMode::Bits64 || block.heat >= kNeverTranslate)
        return Outcome::NotRun;
    Translation const* translation = translation_for(cpu, block);
    if (translation == nullptr)
        return Outcome::NotRun;
    observe(cpu, blocks);
    link_pending(cpu, *translation);
    indirect_.remember(cpu.rip(), epoch_, translation->cpl, translation->code);
    return enter(cpu, *translation, fault);
}

Translation const* Jit::translation_for(Cpu& cpu, Block const& block) {
    Translation const* existing = nullptr;
    if (cache_ != nullptr && block.jit_generation == cache_->generation())
        existing = static_cast<Translation const*>(block.jit);
    if (existing != nullptr && existing->rip == cpu.rip() && existing->cpl == cpu.cpl)
        return existing;
    if (block.heat < config_.threshold) {
        ++block.heat;
        return nullptr;
    }
    // The same code at another address or privilege: translated again, a few times at most.
    uint8_t retranslations = 0;
    if (existing != nullptr) {
        retranslations = static_cast<uint8_t>(existing->retranslations + 1);
        if (retranslations > kMaxRetranslations) {
            block.heat = kNeverTranslate;
            return nullptr;
        }
    }
    return translate(cpu, block, retranslations);
}

Translation const* Jit::translate(Cpu& cpu, Block const& block, uint8_t retranslations) {
    if (!ensure_code_cache())
        return nullptr;
    for (int attempt = 0; attempt < 2; ++attempt) {
        TranslateResult const result = jit::translate(*cache_, env_, block, cpu.rip(), cpu.cpl);
        if (result.status == TranslateStatus::Done) {
            result.translation->retranslations = retranslations;
            block.jit = result.translation;
            block.jit_generation = cache_->generation();
            ++stats_.translations;
            return result.translation;
        }
        if (result.status == TranslateStatus::Failed)
            break;
        flush();
    }
    ++stats_.failures;
    block.heat = kNeverTranslate;
    VIREO_TRACE(Emu, "jit: block at {:#x} not translated", cpu.rip());
    return nullptr;
}

void Jit::flush() {
    VIREO_TRACE(Emu, "jit: code cache full after {} translations: flushed", stats_.translations);
    cache_->flush();
    pending_ = nullptr;
    ++epoch_;
    ++stats_.flushes;
}

void Jit::observe(Cpu const& cpu, BlockCache const& blocks) {
    uint64_t const tlb = cpu.tlb.generation();
    uint64_t const cached = blocks.generation();
    uint64_t const code = cpu.machine->code_pages->generation();
    if (tlb != seen_tlb_ || cached != seen_blocks_ || code != seen_code_) {
        ++epoch_;
        seen_tlb_ = tlb;
        seen_blocks_ = cached;
        seen_code_ = code;
    }
}

// The last run left through an exit to where the guest is now: its translation is that
// exit's successor for as long as this epoch lasts (for an indirect exit, while the guest
// goes to the same address).
void Jit::link_pending(Cpu const& cpu, Translation const& next) {
    if (pending_ != nullptr && (pending_->indirect || pending_->target_rip == cpu.rip()) &&
        pending_->cpl == next.cpl) {
        pending_->target_rip = cpu.rip();
        pending_->code = next.code;
        pending_->epoch = epoch_;
    }
    pending_ = nullptr;
}

Jit::Outcome Jit::enter(Cpu& cpu, Translation const& translation, GuestFault& fault) {
    uint64_t const left = cpu.stop_at > cpu.instructions ? cpu.stop_at - cpu.instructions : 0;
    // Without chaining (the executor traces every block), one block per run.
    auto const budget =
        static_cast<int64_t>(cpu.chain_blocks ? std::min(left, kMaxBudget) : uint64_t{1});
    JitFrame frame;
    frame.budget = budget;
    frame.epoch = epoch_;
    frame.flags = pack_flags(cpu.flags.rflags());
    frame.run = &state_;
    state_.tlb_generation = seen_tlb_;
    state_.code_generation = seen_code_;
    ++stats_.entries;
    uintptr_t const exit = stubs_.enter(&cpu, &frame, translation.code);
    cpu.flags.set_arith(kArithFlags, unpack_flags(frame.flags));
    cpu.instructions += static_cast<uint64_t>(budget - frame.budget - frame.forfeited);
    switch (exit) {
    case kExitIndirect:
        return Outcome::Ran;
    case kExitFault:
        fault = state_.fault;
        return Outcome::Faulted;
    case kExitError:
        // A handler's C++ exception, held while translated code unwound: on its way again.
        std::rethrow_exception(std::exchange(state_.error, nullptr));
    default:
        pending_ = reinterpret_cast<ChainSlot*>(exit);
        return Outcome::Ran;
    }
}

Jit* attach(Cpu& cpu, BlockCache& blocks) {
    if (blocks.jit == nullptr) {
        static Config const config = Config::from_environment();
        if (!config.enabled)
            return nullptr;
        blocks.jit = std::make_shared<Jit>(cpu, config);
    }
    return blocks.jit->enabled() ? blocks.jit.get() : nullptr;
}

} // namespace vireo::emu::jit
