// `vireo run`: options, their validation, and running the VM in the foreground.
#pragma once

#include <CLI/CLI.hpp>

#include "vmm/vm_config.h"

namespace vireo::cli {

struct RunOptions {
    std::string kernel;
    std::string initrd;
    std::optional<std::string> cmdline;
    unsigned cpus = 1;
    std::string memory = "512M";
    std::string accel = "auto";
    std::string cpu = "baseline";
    std::string console = "stdio";
    std::string on_reboot = "exit";
    bool testdev = false;
    bool rng = false;
    std::vector<std::string> disks;
    std::vector<std::string> nets;
    std::vector<std::string> console_ports;
    std::string vsock;
    bool balloon = false;
    std::string api_socket;
    std::string trace;
};

// Declares the subcommand and its options on `app`; the options land in `options`.
CLI::App* add_run_command(CLI::App& app, RunOptions& options);

// Turns parsed options into a validated VmConfig (a one-line error names any bad value).
Result<VmConfig> make_vm_config(RunOptions const& options);

// Runs the VM; returns the process exit status.
int run_vm(VmConfig const& config);

} // namespace vireo::cli
