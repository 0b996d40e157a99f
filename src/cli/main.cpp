// vireo: the command-line entry point. `vireo run` boots a VM in this process;
// `vireo host-validate` checks what this host can do.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "base/trace.h"
#include "cli/host_validate_command.h"
#include "cli/run_command.h"
#include "vmm/vm_outcome.h"

namespace {

constexpr char const* kVersion = VIREO_VERSION;

// CLI11 reports parse errors on several lines; vireo's contract is one line that names the
// problem, then a pointer to --help.
int report_parse_error(CLI::App const& app, CLI::ParseError const& error) {
    std::string command = app.get_name();
    for (auto const* sub : app.get_subcommands())
        command += " " + sub->get_name();
    std::fprintf(stderr, "vireo: error: %s (see '%s --help')\n", error.what(), command.c_str());
    return vireo::kExitUsage;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"vireo: virtual machines on KVM or on vireo's own x86-64 emulator", "vireo"};
    app.require_subcommand(0, 1);
    app.set_version_flag("--version", kVersion);
    app.footer("Run 'vireo COMMAND --help' for a command's options.");

    vireo::cli::RunOptions run_options;
    auto* run = vireo::cli::add_run_command(app, run_options);
    vireo::cli::HostValidateOptions validate_options;
    auto* validate = vireo::cli::add_host_validate_command(app, validate_options);

    try {
        app.parse(argc, argv);
    } catch (CLI::ParseError const& error) {
        // --help and --version arrive as "errors" with exit code 0.
        if (error.get_exit_code() == 0)
            return app.exit(error);
        return report_parse_error(app, error);
    }

    if (run->parsed()) {
        auto config = vireo::cli::make_vm_config(run_options);
        if (!config) {
            vireo::log_error("{}", config.error().message());
            return vireo::kExitUsage;
        }
        return vireo::cli::run_vm(*config);
    }
    if (validate->parsed())
        return vireo::cli::run_host_validate(validate_options);
    std::fputs(app.help().c_str(), stdout);
    return 0;
}
