// Test-only: runs a decoded control method, for the few operators vireo's methods use, so a
// test can check what _OSC answers rather than how it is spelled.
#pragma once

#include <cstdint>
#include <vector>

#include "aml_reader.h"
#include "base/result.h"

namespace vireo::acpi::testing {

// An AML object as the evaluator sees it: an Integer or a Buffer.
struct Value {
    enum class Type { Integer, Buffer };
    Type type = Type::Integer;
    uint64_t integer = 0;
    std::vector<uint8_t> buffer;

    static Value of(uint64_t number) { return Value{Type::Integer, number, {}}; }
    static Value of(std::vector<uint8_t> bytes) { return Value{Type::Buffer, 0, std::move(bytes)}; }
    bool operator==(Value const&) const = default;
};

Result<Value> run_method(Term const& method, std::vector<Value> args);

} // namespace vireo::acpi::testing
