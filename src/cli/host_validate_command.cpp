#include "cli/host_validate_command.h"

#include <cstdio>

#include "hostcheck/hostcheck.h"

namespace vireo::cli {

CLI::App* add_host_validate_command(CLI::App& app, HostValidateOptions& /*options*/) {
    auto* command = app.add_subcommand(
        "host-validate",
        "Check this host for vireo: KVM device, API and capabilities, whether KVM runs guest\n"
        "kernel code natively (measured), KSM, huge pages, tun, vhost, cgroups, namespaces.");
    command->footer("Exit status: 0 when no check FAILs (WARNs allowed), 1 otherwise.");
    return command;
}

int run_host_validate(HostValidateOptions const& /*options*/) {
    auto const results = hostcheck::run_host_checks();
    std::fputs(hostcheck::format_report(results).c_str(), stdout);
    return hostcheck::exit_code_for(results);
}

} // namespace vireo::cli
