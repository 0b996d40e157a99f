#include "emu/jit/translator.h"

#include <algorithm>
#include <vector>

#include "emu/cpu.h"
#include "emu/jit/patterns.h"

namespace vireo::emu::jit {

namespace {

// Each instruction's recipe and addresses; then, walking backwards, the flags live after
// it. The block's exits write all flags back, and an instruction that may fault exposes
// all of them (exception delivery saves RFLAGS), so both make every flag live.
std::vector<Step> plan(Block const& block, uint64_t rip) {
    std::vector<Step> steps(block.count);
    for (uint32_t i = 0; i < block.count; ++i) {
        Insn const& insn = block.insns[i];
        Step& step = steps[i];
        step.insn = &insn;
        step.recipe = recipe_for(insn);
        step.index = i;
        step.next_rip = rip + insn.end_offset;
        step.rip = step.next_rip - insn.length;
    }
    // A branch is only native as the last instruction, which is where blocks put them.
    for (uint32_t i = 0; i + 1 < block.count; ++i)
        if (is_branch(steps[i].recipe.kind))
            steps[i].recipe = Recipe{};
    uint64_t live = kArithFlags;
    for (uint32_t i = block.count; i-- > 0;) {
        Step& step = steps[i];
        step.live_after = live;
        Recipe const& r = step.recipe;
        live = may_fault(r) ? kArithFlags : (r.reads | (live & ~r.writes));
    }
    return steps;
}

// Uses of each guest GPR by native instructions (helpers work on the Cpu fields).
struct RegisterUse {
    std::array<unsigned, 16> count{};
    uint16_t high_byte = 0; // used as AH..BH somewhere: never cached
};

void count_implicit(Kind kind, RegisterUse& use) {
    constexpr unsigned kRax = 0, kRdx = 2, kRsp = 4;
    switch (kind) {
    case Kind::Push:
    case Kind::Pop:
    case Kind::Call:
    case Kind::Ret:
    case Kind::CallIndirect:
        use.count[kRsp] += 2;
        break;
    case Kind::MulWide:
    case Kind::Accumulator:
        use.count[kRax] += 1;
        use.count[kRdx] += 1;
        break;
    default:
        break;
    }
}

RegisterUse count_uses(std::vector<Step> const& steps) {
    RegisterUse use;
    for (Step const& step : steps) {
        Kind const kind = step.recipe.kind;
        if (kind == Kind::Helper || kind == Kind::Nop)
            continue;
        Insn const& insn = *step.insn;
        for (Operand const& op : insn.op) {
            if (op.kind == OpKind::Gpr) {
                if (op.reg % 8 != 0)
                    use.high_byte |= static_cast<uint16_t>(1U << (op.reg / 8));
                ++use.count[op.reg / 8];
            } else if (op.kind == OpKind::Mem) {
                for (unsigned slot : {unsigned{insn.base}, unsigned{insn.index}})
                    if (slot < 16)
                        ++use.count[slot];
            }
        }
        count_implicit(kind, use);
    }
    return use;
}

// The most used registers get the host pool.
void assign_registers(Emitter& e, std::vector<Step> const& steps) {
    RegisterUse const use = count_uses(steps);
    std::array<unsigned, 16> order{};
    for (unsigned i = 0; i < 16; ++i)
        order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](unsigned a, unsigned b) { return use.count[a] > use.count[b]; });
    unsigned next = 0;
    for (unsigned slot : order) {
        if (next == Emitter::kPoolSize || use.count[slot] == 0)
            break;
        if ((use.high_byte & (1U << slot)) == 0)
            e.cache_register(slot, Emitter::pool()[next++]);
    }
}

bool emit_block(Emitter& e, std::vector<Step> const& steps, ChainSlot* slots) {
    for (Step const& step : steps) {
        e.begin(step);
        if (is_branch(step.recipe.kind)) {
            emit_branch(e, &slots[0], &slots[1]);
            return e.finish();
        }
        emit_instruction(e);
        e.end();
    }
    Step const& last = steps.back();
    if (last.recipe.kind == Kind::Helper) {
        e.exit_after_helper(); // the handler left RIP where the guest goes next
    } else {
        e.prepare_exit();
        e.exit_direct(last.next_rip, &slots[0]);
    }
    return e.finish();
}

} // namespace

TranslateResult translate(CodeCache& cache, EmitEnv const& env, Block const& block, uint64_t rip,
                          uint8_t cpl) {
    if (block.count == 0)
        return {TranslateStatus::Failed};
    std::vector<Step> const steps = plan(block, rip);
    auto* const slots = static_cast<ChainSlot*>(cache.allocate_data(2 * sizeof(ChainSlot)));
    auto* const translation = static_cast<Translation*>(cache.allocate_data(sizeof(Translation)));
    if (slots == nullptr || translation == nullptr)
        return {TranslateStatus::Full};
    for (unsigned i = 0; i < 2; ++i) {
        slots[i] = ChainSlot{};
        slots[i].cpl = cpl;
    }
    // A direct exit's target: the branch target, or the next instruction (also the
    // not-taken side of a Jcc, slot 1).
    Step const& last = steps.back();
    Kind const kind = last.recipe.kind;
    bool const direct = kind == Kind::Jmp || kind == Kind::Jcc || kind == Kind::Call;
    slots[0].target_rip = direct ? last.next_rip + last.insn->imm : last.next_rip;
    slots[1].target_rip = last.next_rip;
    slots[0].indirect =
        kind == Kind::Ret || kind == Kind::JmpIndirect || kind == Kind::CallIndirect;

    Xbyak::ClearError();
    Emitter e(cache.code_cursor(), cache.room(), env, block);
    assign_registers(e, steps);
    bool const ok = emit_block(e, steps, slots);
    if (!ok) {
        bool const full = Xbyak::GetError() == Xbyak::ERR_CODE_IS_TOO_BIG;
        Xbyak::ClearError();
        return {full ? TranslateStatus::Full : TranslateStatus::Failed};
    }
    *translation = Translation{e.getCode(), rip, cpl, 0};
    cache.commit_code(e.getSize());
    return {TranslateStatus::Done, translation};
}

} // namespace vireo::emu::jit
