// Checks of what vireo's own code guarantees, as opposed to guest or user input (which become
// errors). A failure is a bug in vireo: stopping with a message beats writing a table that
// misleads the guest.
#pragma once

#include <string_view>

namespace vireo::acpi {

void check_invariant(bool holds, std::string_view what);

} // namespace vireo::acpi
