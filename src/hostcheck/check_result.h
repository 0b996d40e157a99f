// One line of the host check's report, and the report as a whole.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vireo::hostcheck {

// Pass: vireo can use it. Warn: vireo works without it, or works worse (the detail says
// how). Fail: something vireo's KVM accelerator needs is missing or broken.
enum class CheckStatus { Pass, Warn, Fail };

struct CheckResult {
    std::string name;   // the thing checked: "/dev/kvm", "KVM_CAP_IRQCHIP", "KSM"
    CheckStatus status; // the verdict
    std::string detail; // the evidence, and what to do about a Warn or Fail
};

std::string_view status_name(CheckStatus status);

// An aligned table, one check per line, like virt-host-validate:
//   /dev/kvm        : PASS  character device 10:232, read/write
// followed by a line that counts each status.
std::string format_report(std::vector<CheckResult> const& results);

// The exit code of `vireo host-validate`: 0 when no check failed (warnings included), 1 when
// at least one did.
int exit_code_for(std::vector<CheckResult> const& results);

} // namespace vireo::hostcheck
