#include "session.h"

#include <algorithm>
#include <chrono>
#include <optional>

#include <fmt/format.h>

#include "compare.h"
#include "emulated_runner.h"
#include "encoder.h"
#include "native_runner.h"

namespace vireo::difftest {

namespace {

constexpr uint8_t kInvalidOpcode = 6;
constexpr uint8_t kHlt = 0xf4;

struct Runners {
    NativeRunner native;
    std::unique_ptr<EmulatedRunner> emulated;
    Sabotage sabotage;

    std::vector<Difference> differences(Program const& program) {
        Outcome const n = native.run(program);
        Outcome const e = emulated->run(program, sabotage);
        return compare_outcomes(program, n, e);
    }
};

// The program cut before instruction `index`: from there on, every byte is a HLT, so the run
// ends there (or wherever a branch over the cut lands).
Program truncated(Program const& program, size_t index) {
    Program cut = program;
    size_t const offset = program.insns[index].address - kCodeAddress;
    std::fill(cut.code.begin() + static_cast<std::ptrdiff_t>(offset), cut.code.end(), kHlt);
    cut.end_address = program.insns[index].address;
    return cut;
}

// The first instruction whose execution makes the runs differ: the last instruction of the
// shortest diverging prefix, with the differences that prefix shows. An instruction the
// emulator rejects with #UD is its own answer.
struct Culprit {
    size_t index;
    std::vector<Difference> differences;
};

std::optional<Culprit> find_culprit(Program const& program, Runners& runners,
                                    Outcome const& emulated,
                                    std::vector<Difference> const& differences) {
    if (emulated.status == RunStatus::Stopped && emulated.vector == kInvalidOpcode) {
        for (size_t i = 0; i < program.insns.size(); ++i) {
            if (program.insns[i].address == emulated.state.rip)
                return Culprit{i, differences};
        }
    }
    for (size_t cut = 1; cut < program.insns.size(); ++cut) {
        auto found = runners.differences(truncated(program, cut));
        if (!found.empty())
            return Culprit{cut - 1, std::move(found)};
    }
    return std::nullopt;
}

std::string culprit_key(Program const& program, size_t index) {
    ProgramInsn const& insn = program.insns[index];
    auto const effects =
        flag_effects({program.code.data() + (insn.address - kCodeAddress), insn.length});
    char const* name = effects ? ZydisMnemonicGetString(effects->mnemonic) : "?";
    return fmt::format("{} ({})", name ? name : "?", class_name(static_cast<InsnClass>(insn.cls)));
}

// Divergences past this many get no line of their own (the tally at the end counts them).
constexpr uint64_t kMaxReportLines = 100;

void report(std::FILE* out, Program const& program, std::vector<Difference> const& differences,
            std::optional<size_t> culprit, bool analysed, SessionOptions const& options,
            bool full) {
    std::string const where =
        culprit ? fmt::format("after {:#x}: {}", program.insns[*culprit].address,
                              disassemble_at(program, program.insns[*culprit].address))
                : std::string(analysed ? "not located" : "not searched (--analyses)");
    fmt::print(out, "DIVERGENCE seed={:#x} ({}): first differing state {}\n  reproduce: {}\n",
               program.seed, summarize(differences), where,
               reproduce_command(program.seed, options));
    if (!full)
        return;
    for (Difference const& d : differences) {
        if (d.native.size() + d.emulated.size() < 60)
            fmt::print(out, "  {:<22} native {:<30} emulated {}\n", d.what, d.native, d.emulated);
        else
            fmt::print(out, "  {:<22} native   {}\n  {:<22} emulated {}\n", d.what, d.native, "",
                       d.emulated);
    }
    uint64_t const mark = culprit ? program.insns[*culprit].address : 0;
    fmt::print(out, "  program (>> marks the first differing instruction):\n{}",
               format_program(program, mark));
    if (options.verbose)
        fmt::print(out, "  initial state:\n{}", format_state(program.initial));
}

} // namespace

std::string reproduce_command(uint64_t seed, SessionOptions const& options) {
    ClassMask const classes = options.generator.classes;
    return fmt::format("difftest --seed {:#x} --count 1 --length {}-{} --classes {} --verbose",
                       seed, options.generator.min_length, options.generator.max_length,
                       classes == kAllClasses ? "all" : class_list(classes));
}

Result<SessionResult> run_session(SessionOptions const& options, std::FILE* out) {
    Runners runners{TRY(NativeRunner::create()), TRY(EmulatedRunner::create()), options.sabotage};
    using Clock = std::chrono::steady_clock;
    auto const start = Clock::now();
    SessionResult result;
    for (uint64_t i = 0; i < options.count; ++i) {
        if (options.time_limit_seconds > 0 &&
            std::chrono::duration<double>(Clock::now() - start).count() >=
                options.time_limit_seconds)
            break;
        Program program = generate_program(options.seed + i, options.generator);
        if (options.cut && *options.cut < program.insns.size())
            program = truncated(program, *options.cut);
        Outcome const native = runners.native.run(program);
        Outcome const emulated = runners.emulated->run(program, options.sabotage);
        auto const differences = compare_outcomes(program, native, emulated);
        ++result.sequences;
        result.instructions += program.instruction_count();
        if (options.verbose && differences.empty())
            fmt::print(out, "seed={:#x}: same ({}), {} instructions\n{}", program.seed,
                       describe_stop(program, native), program.instruction_count(),
                       format_program(program));
        if (differences.empty())
            continue;
        ++result.divergences;
        std::optional<size_t> culprit;
        bool const analysed = result.divergences <= options.analyses;
        if (analysed) {
            auto const found = find_culprit(program, runners, emulated, differences);
            if (found)
                culprit = found->index;
            std::string const key =
                found ? culprit_key(program, found->index) + ": " + summarize(found->differences)
                      : "(not located): " + summarize(differences);
            result.culprits[key]++;
        }
        if (result.divergences <= kMaxReportLines || options.verbose)
            report(out, program, differences, culprit, analysed, options,
                   result.divergences <= options.full_reports || options.verbose);
        else if (result.divergences == kMaxReportLines + 1)
            fmt::print(out, "(further divergences are only counted)\n");
    }
    return result;
}

} // namespace vireo::difftest
