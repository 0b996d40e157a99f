// `vireo host-validate`: can this host run vireo's guests, and how well? In the spirit of
// libvirt's virt-host-validate: a PASS/WARN/FAIL table and an exit code. The individual
// checks are in checks.h; README.md in this folder explains the kernel-mode probe.
#pragma once

#include <string>
#include <vector>

#include "hostcheck/check_result.h"
#include "hostcheck/host_root.h"
#include "hostcheck/kernel_mode_probe.h"

namespace vireo::hostcheck {

// Every check against the real host, the precise kernel-mode probe included (~25 ms when
// ring 0 is emulated).
std::vector<CheckResult> run_host_checks();

// The checks that only read files, under `root`: what the unit tests run on fake trees.
std::vector<CheckResult> run_file_checks(HostRoot const& root);

} // namespace vireo::hostcheck
