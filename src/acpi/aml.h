// A small encoder for ACPI Machine Language (ACPI 6.5 chapter 20), enough for vireo's DSDT.
// Each function returns the encoding of one AML term; callers nest them the way ASL nests:
//
//     aml::device("COM1", aml::terms({aml::name("_HID", aml::eisa_id("PNP0501")), ...}))
//
// Names, strings, EISA IDs and UUIDs are literals in vireo's code, so they are checked when
// vireo is compiled: a malformed one does not compile.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "acpi/bytes.h"

namespace vireo::acpi::aml {

namespace detail {
// Deliberately never defined and not constexpr: a consteval constructor that reaches one of
// these is not a constant expression, so the compiler rejects the literal and names the call.
void invalid_name_string();
void invalid_string();
void invalid_eisa_id();
void invalid_uuid();
void invalid_method_argument_count();

consteval bool is_lead_name_char(char c) {
    return (c >= 'A' && c <= 'Z') || c == '_';
}
consteval bool is_name_char(char c) {
    return is_lead_name_char(c) || (c >= '0' && c <= '9');
}
consteval uint8_t hex_digit(char c) {
    if (c >= '0' && c <= '9')
        return static_cast<uint8_t>(c - '0');
    if (c >= 'A' && c <= 'F')
        return static_cast<uint8_t>(c - 'A' + 10);
    if (c >= 'a' && c <= 'f')
        return static_cast<uint8_t>(c - 'a' + 10);
    invalid_uuid();
    return 0;
}
} // namespace detail

// A NameString (ACPI 6.5 20.2.2) written the ASL way: "\\_SB.PCI0", "^CDW1", "_S5". Segments
// shorter than four characters are padded with '_' as ASL does.
class NameString {
public:
    // Implicit, so that a literal reads like ASL at the call site.
    consteval NameString(char const* text) { // NOLINT(google-explicit-constructor)
        text = parse_prefix(text);
        std::array<std::array<char, 4>, kMaxSegments> segments{};
        size_t count = 0;
        while (*text != '\0') {
            if (count == kMaxSegments)
                detail::invalid_name_string();
            text = parse_segment(text, segments[count++]);
        }
        emit_segment_prefix(count);
        for (size_t i = 0; i < count; ++i)
            for (char c : segments[i])
                push(static_cast<uint8_t>(c));
    }

    std::span<uint8_t const> bytes() const { return {encoded_.data(), size_}; }

private:
    static constexpr size_t kMaxSegments = 8;
    // ACPI 6.5 20.2.2 grammar characters.
    static constexpr uint8_t kRootChar = '\\';
    static constexpr uint8_t kParentPrefixChar = '^';
    static constexpr uint8_t kNullName = 0x00;
    static constexpr uint8_t kDualNamePrefix = 0x2e;
    static constexpr uint8_t kMultiNamePrefix = 0x2f;

    consteval void push(uint8_t byte) {
        if (size_ == encoded_.size())
            detail::invalid_name_string();
        encoded_[size_++] = byte;
    }

    consteval char const* parse_prefix(char const* text) {
        if (*text == '\\') {
            push(kRootChar);
            return text + 1;
        }
        while (*text == '^') {
            push(kParentPrefixChar);
            ++text;
        }
        return text;
    }

    // NameSeg := LeadNameChar NameChar NameChar NameChar (ACPI 6.5 20.2.2).
    static consteval char const* parse_segment(char const* text, std::array<char, 4>& segment) {
        size_t length = 0;
        for (; *text != '\0' && *text != '.'; ++text) {
            bool const valid =
                length == 0 ? detail::is_lead_name_char(*text) : detail::is_name_char(*text);
            if (length == segment.size() || !valid)
                detail::invalid_name_string();
            segment[length++] = *text;
        }
        if (length == 0)
            detail::invalid_name_string();
        for (; length < segment.size(); ++length)
            segment[length] = '_';
        if (*text == '.' && *++text == '\0')
            detail::invalid_name_string();
        return text;
    }

    consteval void emit_segment_prefix(size_t count) {
        if (count == 0) {
            push(kNullName);
        } else if (count == 2) {
            push(kDualNamePrefix);
        } else if (count > 2) {
            push(kMultiNamePrefix);
            push(static_cast<uint8_t>(count));
        }
    }

    std::array<uint8_t, 2 + kMaxSegments * 4> encoded_{};
    size_t size_ = 0;
};

// An AML string: ASCII characters 0x01-0x7F (ACPI 6.5 20.2.3, AsciiCharList).
class AsciiString {
public:
    consteval AsciiString(char const* text)
        : text_(text) { // NOLINT(google-explicit-constructor)
        for (char c : text_) {
            auto const byte = static_cast<unsigned char>(c);
            if (byte == 0 || byte > 0x7f)
                detail::invalid_string();
        }
    }
    std::string_view text() const { return text_; }

private:
    std::string_view text_;
};

// A compressed EISA ID such as "PNP0A03" (ACPI 6.5 19.6, EISAID): three upper-case letters
// of five bits each and four hexadecimal digits, stored as the bytes of a DWORD.
class EisaId {
public:
    consteval EisaId(char const* text) { // NOLINT(google-explicit-constructor)
        std::string_view const id(text);
        if (id.size() != 7)
            detail::invalid_eisa_id();
        uint32_t letters[3]{};
        for (size_t i = 0; i < 3; ++i) {
            if (id[i] < 'A' || id[i] > 'Z')
                detail::invalid_eisa_id();
            letters[i] = static_cast<uint32_t>(id[i] - '@'); // 'A' is 1
        }
        uint32_t digits[4]{};
        for (size_t i = 0; i < 4; ++i) {
            bool const upper_hex =
                (id[3 + i] >= '0' && id[3 + i] <= '9') || (id[3 + i] >= 'A' && id[3 + i] <= 'F');
            if (!upper_hex)
                detail::invalid_eisa_id();
            digits[i] = detail::hex_digit(id[3 + i]);
        }
        uint32_t const byte0 = (letters[0] << 2) | (letters[1] >> 3);
        uint32_t const byte1 = ((letters[1] & 0x7) << 5) | letters[2];
        uint32_t const byte2 = (digits[0] << 4) | digits[1];
        uint32_t const byte3 = (digits[2] << 4) | digits[3];
        value_ = byte0 | (byte1 << 8) | (byte2 << 16) | (byte3 << 24);
    }
    uint32_t value() const { return value_; }

private:
    uint32_t value_ = 0;
};

// A UUID written "33DB4D5B-1FF7-401C-9657-7441C03DD766", laid out as ASL's ToUUID lays it out
// (ACPI 6.5 19.6, ToUUID): the first three fields little-endian, the last two in text order.
class Uuid {
public:
    consteval Uuid(char const* text) { // NOLINT(google-explicit-constructor)
        std::string_view const uuid(text);
        // Byte i of the buffer comes from the hex pair at this text position.
        constexpr size_t kPairAt[16] = {6, 4, 2, 0, 11, 9, 16, 14, 19, 21, 24, 26, 28, 30, 32, 34};
        if (uuid.size() != 36 || uuid[8] != '-' || uuid[13] != '-' || uuid[18] != '-' ||
            uuid[23] != '-')
            detail::invalid_uuid();
        for (size_t i = 0; i < 16; ++i) {
            size_t const at = kPairAt[i];
            bytes_[i] = static_cast<uint8_t>((detail::hex_digit(uuid[at]) << 4) |
                                             detail::hex_digit(uuid[at + 1]));
        }
    }
    std::span<uint8_t const, 16> bytes() const { return bytes_; }

private:
    std::array<uint8_t, 16> bytes_{};
};

// How many arguments a control method takes: 0 to 7 (ACPI 6.5 20.2.5.2, MethodFlags).
class ArgCount {
public:
    consteval ArgCount(unsigned count)
        : count_(static_cast<uint8_t>(count)) { // NOLINT
        if (count > 7)
            detail::invalid_method_argument_count();
    }
    uint8_t value() const { return count_; }

private:
    uint8_t count_;
};

enum class Serialized : bool { No, Yes };
enum class Arg : uint8_t { Arg0, Arg1, Arg2, Arg3, Arg4, Arg5, Arg6 };

// The encoding of a PkgLength (ACPI 6.5 20.2.4) for a package whose contents after the
// PkgLength take `payload_size` bytes; the encoded length counts the PkgLength bytes too.
Bytes pkg_length(size_t payload_size);

// Data objects (ACPI 6.5 20.2.3).
Bytes integer(uint64_t value); // the shortest of Zero, One, Byte, Word, DWord, QWord
Bytes string(AsciiString text);
Bytes eisa_id(EisaId id);
Bytes uuid(Uuid id); // a 16-byte Buffer, as ToUUID
Bytes buffer(std::span<uint8_t const> data);
Bytes package(std::vector<Bytes> const& elements);
Bytes reference(NameString name); // a named object used as an operand
Bytes arg(Arg index);

// Named objects and namespace modifiers (ACPI 6.5 20.2.5).
Bytes name(NameString name, Bytes const& object);
Bytes scope(NameString name, Bytes const& terms);
Bytes device(NameString name, Bytes const& terms);
Bytes method(NameString name, ArgCount args, Serialized serialized, Bytes const& terms);
Bytes create_dword_field(Bytes const& source_buffer, Bytes const& byte_index, NameString field);

// Statements and expressions (ACPI 6.5 20.2.5.3, 20.2.5.4).
Bytes if_then(Bytes const& predicate, Bytes const& terms);
Bytes return_value(Bytes const& object);
Bytes logical_equal(Bytes const& left, Bytes const& right);
Bytes logical_not(Bytes const& operand);
Bytes bitwise_or(Bytes const& left, Bytes const& right, NameString target);

// Concatenates terms into a TermList.
Bytes terms(std::vector<Bytes> const& list);

} // namespace vireo::acpi::aml
