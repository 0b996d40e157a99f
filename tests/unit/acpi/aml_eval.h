// Test-only: runs a decoded control method, for the few operators vireo's methods use, so a
// test can check what _OSC answers rather than how it is spelled.
#pragma once

#include <cstdint>
#include <variant>
#include <vector>

#include "aml_reader.h"
#include "base/result.h"

namespace vireo::acpi::testing {

using Value = std::variant<uint64_t, std::vector<uint8_t>>;

Result<Value> run_method(Term const& method, std::vector<Value> args);

} // namespace vireo::acpi::testing
