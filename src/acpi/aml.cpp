#include "acpi/aml.h"

#include "acpi/invariant.h"

namespace vireo::acpi::aml {

namespace {

// Opcodes and prefixes, ACPI 6.5 20.3 (AML Byte Stream Byte Values).
enum Opcode : uint8_t {
    kZeroOp = 0x00,
    kOneOp = 0x01,
    kNameOp = 0x08,
    kBytePrefix = 0x0a,
    kWordPrefix = 0x0b,
    kDWordPrefix = 0x0c,
    kStringPrefix = 0x0d,
    kQWordPrefix = 0x0e,
    kScopeOp = 0x10,
    kBufferOp = 0x11,
    kPackageOp = 0x12,
    kMethodOp = 0x14,
    kExtOpPrefix = 0x5b,
    kArg0Op = 0x68,
    kOrOp = 0x7d,
    kCreateDWordFieldOp = 0x8a,
    kLNotOp = 0x92,
    kLEqualOp = 0x93,
    kIfOp = 0xa0,
    kReturnOp = 0xa4,
};
constexpr uint8_t kDeviceOp = 0x82; // follows kExtOpPrefix
constexpr uint8_t kNullChar = 0x00;

// PkgLength limits (ACPI 6.5 20.2.4): one byte holds 6 bits of length; with 1 to 3 following
// bytes the lead byte holds the low 4 bits and each following byte 8 more.
constexpr size_t kOneBytePkgLengthMax = 0x3f;
constexpr size_t kMaxFollowingBytes = 3;
constexpr size_t kMaxElementsInPackage = 0xff; // NumElements is a ByteData (ACPI 6.5 20.2.5.4)

size_t multi_byte_pkg_length_max(size_t following_bytes) {
    return (size_t{1} << (4 + 8 * following_bytes)) - 1;
}

Bytes encode_pkg_length(size_t total, size_t following_bytes) {
    if (following_bytes == 0)
        return {static_cast<uint8_t>(total)};
    Bytes out{static_cast<uint8_t>((following_bytes << 6) | (total & 0xf))};
    for (size_t i = 0; i < following_bytes; ++i)
        out.push_back(static_cast<uint8_t>(total >> (4 + 8 * i)));
    return out;
}

// Opcode PkgLength <contents>: the shape of every AML package-like term.
Bytes with_pkg_length(std::initializer_list<uint8_t> opcode, std::vector<Bytes> const& parts) {
    size_t payload = 0;
    for (auto const& part : parts)
        payload += part.size();
    Bytes out(opcode);
    append(out, pkg_length(payload));
    for (auto const& part : parts)
        append(out, part);
    return out;
}

Bytes name_bytes(NameString const& name) {
    auto const span = name.bytes();
    return {span.begin(), span.end()};
}

} // namespace

Bytes pkg_length(size_t payload_size) {
    if (payload_size + 1 <= kOneBytePkgLengthMax)
        return encode_pkg_length(payload_size + 1, 0);
    for (size_t following = 1; following <= kMaxFollowingBytes; ++following) {
        size_t const total = payload_size + 1 + following;
        if (total <= multi_byte_pkg_length_max(following))
            return encode_pkg_length(total, following);
    }
    check_invariant(false, "an AML package is larger than a PkgLength can express");
    return {};
}

Bytes integer(uint64_t value) {
    if (value == 0)
        return {kZeroOp};
    if (value == 1)
        return {kOneOp};
    Bytes out;
    if (value <= UINT8_MAX) {
        out.push_back(kBytePrefix);
        append_le(out, static_cast<uint8_t>(value));
    } else if (value <= UINT16_MAX) {
        out.push_back(kWordPrefix);
        append_le(out, static_cast<uint16_t>(value));
    } else if (value <= UINT32_MAX) {
        out.push_back(kDWordPrefix);
        append_le(out, static_cast<uint32_t>(value));
    } else {
        out.push_back(kQWordPrefix);
        append_le(out, value);
    }
    return out;
}

Bytes string(AsciiString text) {
    Bytes out{kStringPrefix};
    for (char c : text.text())
        out.push_back(static_cast<uint8_t>(c));
    out.push_back(kNullChar);
    return out;
}

Bytes eisa_id(EisaId id) {
    return integer(id.value());
}

Bytes uuid(Uuid id) {
    return buffer(id.bytes());
}

Bytes buffer(std::span<uint8_t const> data) {
    return with_pkg_length({kBufferOp}, {integer(data.size()), Bytes(data.begin(), data.end())});
}

Bytes package(std::vector<Bytes> const& elements) {
    check_invariant(elements.size() <= kMaxElementsInPackage, "too many package elements");
    Bytes contents{static_cast<uint8_t>(elements.size())};
    for (auto const& element : elements)
        append(contents, element);
    return with_pkg_length({kPackageOp}, {contents});
}

Bytes reference(NameString name) {
    return name_bytes(name);
}

Bytes arg(Arg index) {
    return {static_cast<uint8_t>(kArg0Op + static_cast<uint8_t>(index))};
}

Bytes name(NameString name, Bytes const& object) {
    // Reserved up front: g++ 12 at -O3 otherwise warns (-Warray-bounds, a false positive)
    // about appending to a one-byte vector built from an initializer list.
    Bytes out;
    out.reserve(1 + name.bytes().size() + object.size());
    out.push_back(kNameOp);
    append(out, name.bytes());
    append(out, object);
    return out;
}

Bytes scope(NameString name, Bytes const& terms) {
    return with_pkg_length({kScopeOp}, {name_bytes(name), terms});
}

Bytes device(NameString name, Bytes const& terms) {
    return with_pkg_length({kExtOpPrefix, kDeviceOp}, {name_bytes(name), terms});
}

// MethodFlags (ACPI 6.5 20.2.5.2): bits 0-2 argument count, bit 3 serialized, bits 4-7 the
// sync level, which vireo leaves at 0.
Bytes method(NameString name, ArgCount args, Serialized serialized, Bytes const& terms) {
    constexpr uint8_t kSerializeFlag = 1U << 3;
    auto const flags =
        static_cast<uint8_t>(args.value() | (serialized == Serialized::Yes ? kSerializeFlag : 0));
    return with_pkg_length({kMethodOp}, {name_bytes(name), {flags}, terms});
}

Bytes create_dword_field(Bytes const& source_buffer, Bytes const& byte_index, NameString field) {
    return terms({{kCreateDWordFieldOp}, source_buffer, byte_index, name_bytes(field)});
}

Bytes if_then(Bytes const& predicate, Bytes const& terms) {
    return with_pkg_length({kIfOp}, {predicate, terms});
}

Bytes return_value(Bytes const& object) {
    return terms({{kReturnOp}, object});
}

Bytes logical_equal(Bytes const& left, Bytes const& right) {
    return terms({{kLEqualOp}, left, right});
}

Bytes logical_not(Bytes const& operand) {
    return terms({{kLNotOp}, operand});
}

Bytes bitwise_or(Bytes const& left, Bytes const& right, NameString target) {
    return terms({{kOrOp}, left, right, name_bytes(target)});
}

Bytes terms(std::vector<Bytes> const& list) {
    Bytes out;
    for (auto const& term : list)
        append(out, term);
    return out;
}

} // namespace vireo::acpi::aml
