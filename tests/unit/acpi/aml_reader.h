// Test-only: an independent decoder for the AML subset vireo's DSDT uses (ACPI 6.5 chapter 20).
// It rejects any opcode it does not know, so everything the encoder emits must decode.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"

namespace vireo::acpi::testing {

struct PkgLength {
    size_t value = 0;        // the encoded length, which counts these bytes too
    size_t encoded_size = 0; // 1 to 4
};
Result<PkgLength> decode_pkg_length(std::span<uint8_t const> bytes);

struct Term {
    enum class Kind {
        Integer,          // value; encoded_size says how many bytes the encoding took
        String,           // data = characters
        Buffer,           // value = declared size, data = bytes
        Package,          // value = NumElements, children = elements
        NameRef,          // name
        Arg,              // value = index
        Local,            // value = index
        Name,             // name, children[0] = object
        Scope,            // name, children = terms
        Device,           // name, children = terms
        Method,           // name, value = flags, children = terms
        If,               // children[0] = predicate, children[1..] = terms
        Else,             // children = terms
        Return,           // children[0]
        LEqual,           // children[0..1]
        LNot,             // children[0]
        Or,               // children[0..1] operands, name = target ("" for none)
        CreateDWordField, // children[0] = buffer, children[1] = index, name = field
    };
    Kind kind = Kind::Integer;
    uint64_t value = 0;
    size_t encoded_size = 0;
    std::string name; // NameStrings as written: "\\_SB_.PCI0", "^CDW1", "_HID"
    std::vector<uint8_t> data;
    std::vector<Term> children;
};

Result<std::vector<Term>> parse_aml(std::span<uint8_t const> term_list);

// Every named object by absolute path ("\\_SB_.COM1._HID"): Name terms map to their object,
// Devices, Scopes and Methods to themselves. Fails if a path is defined twice.
using Namespace = std::map<std::string, Term const*>;
Result<Namespace> build_namespace(std::vector<Term> const& terms);

// Decodes a compressed EISA ID back to its seven characters ("PNP0A03").
std::string decode_eisa_id(uint32_t value);

} // namespace vireo::acpi::testing
