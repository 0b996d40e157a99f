// `vireo host-validate`: what this host can do for vireo, as a PASS/WARN/FAIL table.
#pragma once

#include <CLI/CLI.hpp>

namespace vireo::cli {

struct HostValidateOptions {};

CLI::App* add_host_validate_command(CLI::App& app, HostValidateOptions& options);
int run_host_validate(HostValidateOptions const& options);

} // namespace vireo::cli
