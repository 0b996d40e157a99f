#include "acpi/invariant.h"

#include <cstdlib>
#include <string>

#include "base/trace.h"

namespace vireo::acpi {

void check_invariant(bool holds, std::string_view what) {
    if (holds) [[likely]]
        return;
    log_error("internal error in the ACPI builder: {}", what);
    std::abort();
}

} // namespace vireo::acpi
