#include "generator.h"

#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "builder.h"
#include "initial_state.h"
#include "templates.h"

namespace vireo::difftest {

namespace {

// Draws before a group is given up (every template can fail to encode for some operands).
constexpr unsigned kAttempts = 64;

std::vector<std::vector<Template const*>> templates_by_class(ClassMask classes) {
    std::vector<std::vector<Template const*>> by_class(kClassCount);
    for (auto const table :
         {integer_templates(), control_templates(), simd_templates(), x87_templates()}) {
        for (Template const& t : table) {
            if (classes & class_bit(t.cls))
                by_class[static_cast<size_t>(t.cls)].push_back(&t);
        }
    }
    std::erase_if(by_class, [](auto const& list) { return list.empty(); });
    return by_class;
}

Program initial_program(Rng& rng, uint64_t seed) {
    Program program;
    program.seed = seed;
    program.initial = random_machine_state(rng);
    program.data.resize(kDataBytes);
    fill_random(rng, program.data);
    Fxsave const image = random_fpu_state(rng);
    std::memcpy(program.data.data() + kFxrstorSlot, &image, sizeof(image));
    program.stack.resize(kStackBytes);
    fill_random(rng, program.stack);
    return program;
}

// One group from a class drawn uniformly, then a template of it, so that a class with many
// templates (SSE2) does not crowd out the others.
void add_group(Builder& b, std::vector<std::vector<Template const*>> const& by_class) {
    Rng& rng = b.rng();
    for (unsigned attempt = 0; attempt < kAttempts; ++attempt) {
        auto const& list = by_class[rng.below(by_class.size())];
        Template const& t = *list[rng.below(list.size())];
        if (b.branch_open() && (t.traits & (kChangesRsp | kIsBranch)) != 0)
            continue;
        b.begin_group(t.cls);
        t.emit(b, t);
        if (b.commit_group())
            return;
    }
}

} // namespace

ProgramInsn const* Program::insn_at(uint64_t address) const {
    for (ProgramInsn const& insn : insns) {
        if (insn.address == address)
            return &insn;
    }
    return nullptr;
}

Program generate_program(uint64_t seed, GeneratorOptions const& options) {
    Rng rng(seed);
    Program program = initial_program(rng, seed);
    auto const by_class = templates_by_class(options.classes);
    Builder builder(rng, program);
    auto const length = static_cast<unsigned>(rng.between(options.min_length, options.max_length));
    for (unsigned i = 0; i < length && !by_class.empty(); ++i)
        add_group(builder, by_class);
    builder.finish();
    return program;
}

std::string check_program(Program const& program) {
    uint64_t expected = kCodeAddress;
    for (ProgramInsn const& insn : program.insns) {
        size_t const offset = insn.address - kCodeAddress;
        if (insn.address != expected || offset + insn.length > program.code.size())
            return fmt::format("instruction at {:#x} does not follow the previous one",
                               insn.address);
        auto const shape = decode_shape({program.code.data() + offset, insn.length}, insn.address);
        if (!shape || shape->length != insn.length)
            return fmt::format("instruction at {:#x} does not decode to {} bytes", insn.address,
                               insn.length);
        if (shape->target && in_range(*shape->target, kCodeAddress, kCodeBytes) &&
            (*shape->target <= insn.address || program.insn_at(*shape->target) == nullptr))
            return fmt::format("branch at {:#x} lands on {:#x}, not on a later instruction",
                               insn.address, *shape->target);
        expected += insn.length;
    }
    if (expected != kCodeAddress + program.code.size() || program.insns.empty() ||
        program.insns.back().address != program.end_address || program.code.back() != 0xf4)
        return "the program does not end with its HLT";
    return {};
}

std::string check_templates() {
    constexpr unsigned kTries = 200;
    std::string report;
    for (auto const table :
         {integer_templates(), control_templates(), simd_templates(), x87_templates()}) {
        for (Template const& t : table) {
            Rng rng(reinterpret_cast<uintptr_t>(&t));
            unsigned successes = 0;
            for (unsigned i = 0; i < kTries; ++i) {
                Program program = initial_program(rng, 0);
                Builder b(rng, program);
                b.begin_group(t.cls);
                t.emit(b, t);
                successes += b.commit_group() ? 1 : 0;
            }
            if (successes == 0)
                report += fmt::format("{} ({}, option {})\n", ZydisMnemonicGetString(t.mnemonic),
                                      class_name(t.cls), t.option);
        }
    }
    return report;
}

} // namespace vireo::difftest
