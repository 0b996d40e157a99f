// difftest: the emulator's differential test. Random user-mode x86-64 programs run on the host
// CPU (in a sandboxed child) and in vireo's emulator; every architecturally defined difference
// in the final state is a divergence. See README.md.
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "session.h"

namespace {

using namespace vireo;
using namespace vireo::difftest;

enum ExitStatus : int {
    kExitSame = 0,
    kExitDiverged = 1,
    kExitUsage = 2,
};

Result<void> parse_length(std::string const& text, GeneratorOptions& options) {
    unsigned low = 0;
    unsigned high = 0;
    char dash = 0;
    int const fields = std::sscanf(text.c_str(), "%u%c%u", &low, &dash, &high);
    if (fields == 1)
        high = low;
    else if (fields != 3 || dash != '-')
        return make_error("--length wants N or MIN-MAX, not '{}'", text);
    if (low == 0 || high < low || high > 500)
        return make_error("--length {} is outside 1-500 or empty", text);
    options.min_length = low;
    options.max_length = high;
    return {};
}

Result<Sabotage> parse_sabotage(std::string const& text) {
    if (text == "flag")
        return Sabotage::Flag;
    if (text == "register")
        return Sabotage::Register;
    if (text == "memory")
        return Sabotage::Memory;
    if (text == "xmm")
        return Sabotage::Xmm;
    return make_error("--sabotage wants flag, register, memory or xmm, not '{}'", text);
}

void print_summary(SessionResult const& result) {
    for (auto const& [culprit, count] : result.culprits)
        fmt::print("  first differing instruction {}: {}\n", culprit, count);
    fmt::print("sequences={} instructions={} divergences={}\n", result.sequences,
               result.instructions, result.divergences);
}

// The tester tests itself: each deliberate defect must make every program diverge, and
// every template must be able to produce instructions.
int self_test(SessionOptions options) {
    std::string const broken = check_templates();
    if (!broken.empty()) {
        fmt::print("self-test: templates that never encode:\n{}", broken);
        return kExitDiverged;
    }
    for (uint64_t i = 0; i < options.count; ++i) {
        Program const program = generate_program(options.seed + i, options.generator);
        std::string problem = check_program(program);
        if (problem.empty() &&
            generate_program(options.seed + i, options.generator).code != program.code)
            problem = "the same seed gave a different program";
        if (!problem.empty()) {
            fmt::print("self-test: program {:#x}: {}\n", options.seed + i, problem);
            return kExitDiverged;
        }
    }
    fmt::print("self-test: {} programs are well formed and reproducible\n", options.count);
    std::FILE* const sink = std::fopen("/dev/null", "w");
    bool ok = sink != nullptr;
    options.full_reports = 0;
    options.analyses = 0;
    for (auto const& [sabotage, name] :
         {std::pair{Sabotage::Flag, "flag"}, std::pair{Sabotage::Register, "register"},
          std::pair{Sabotage::Memory, "memory"}, std::pair{Sabotage::Xmm, "xmm"}}) {
        options.sabotage = sabotage;
        auto const result = run_session(options, sink != nullptr ? sink : stdout);
        if (!result) {
            fmt::print(stderr, "difftest: {}\n", result.error().message());
            return kExitUsage;
        }
        bool const caught = result->sequences > 0 && result->divergences == result->sequences;
        fmt::print("self-test: sabotaged {}: {} of {} programs diverged{}\n", name,
                   result->divergences, result->sequences, caught ? "" : " (FAILED)");
        ok = ok && caught;
    }
    if (sink != nullptr)
        std::fclose(sink);
    return ok ? kExitSame : kExitDiverged;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"difftest: random user-mode x86-64 programs, host CPU against vireo's emulator",
                 "difftest"};
    SessionOptions options;
    std::string length = "5-50";
    std::string classes = "all";
    std::string sabotage;
    bool check = false;
    bool self = false;
    app.add_option("--seed", options.seed, "seed of the first program (program i: seed + i)");
    app.add_option("--count", options.count, "number of programs");
    app.add_option("--time-limit", options.time_limit_seconds, "stop after this many seconds");
    app.add_option("--length", length, "instruction groups per program: N or MIN-MAX");
    app.add_option("--classes", classes, "instruction classes, e.g. all,-x87 or alu,shift");
    app.add_flag("--verbose", options.verbose, "print every program and full reports");
    app.add_option("--full-reports", options.full_reports, "divergences reported in full");
    app.add_option("--analyses", options.analyses,
                   "divergences whose first differing instruction is searched");
    size_t cut = 0;
    app.add_option("--cut", cut, "end each program before its instruction number N (from 0)");
    app.add_option("--sabotage", sabotage, "break the emulator's result: flag|register|memory|xmm");
    app.add_flag("--check-templates", check, "report templates that never encode");
    app.add_flag("--self-test", self, "prove that deliberate defects are caught");
    try {
        app.parse(argc, argv);
    } catch (CLI::ParseError const& error) {
        return app.exit(error) == 0 ? kExitSame : kExitUsage;
    }

    auto const lengths = parse_length(length, options.generator);
    auto const mask = parse_classes(classes);
    auto const broken =
        sabotage.empty() ? Result<Sabotage>(Sabotage::None) : parse_sabotage(sabotage);
    for (Error const* error : {lengths ? nullptr : &lengths.error(), mask ? nullptr : &mask.error(),
                               broken ? nullptr : &broken.error()}) {
        if (error != nullptr) {
            fmt::print(stderr, "difftest: {}\n", error->message());
            return kExitUsage;
        }
    }
    options.generator.classes = *mask;
    if (app.count("--cut") > 0)
        options.cut = cut;
    options.sabotage = *broken;

    if (check) {
        std::string const report = check_templates();
        fmt::print("{}", report.empty() ? "every template encodes\n" : report);
        return report.empty() ? kExitSame : kExitDiverged;
    }
    if (self)
        return self_test(options);
    auto const result = run_session(options, stdout);
    if (!result) {
        fmt::print(stderr, "difftest: {}\n", result.error().message());
        return kExitUsage;
    }
    print_summary(*result);
    return result->divergences == 0 ? kExitSame : kExitDiverged;
}
