// The AML encoder against an independent decoder, at the encodings' boundaries.
#include <gtest/gtest.h>

#include "acpi/aml.h"
#include "aml_reader.h"

namespace vireo::acpi {
namespace {

using testing::Term;

// The smallest PkgLength that can hold `total` (ACPI 6.5 20.2.4): 6 bits in one byte, then
// 12, 20 and 28 bits.
size_t smallest_pkg_length_size(size_t total) {
    if (total <= 0x3f)
        return 1;
    if (total <= 0xfff)
        return 2;
    return total <= 0xfffff ? 3 : 4;
}

TEST(AmlPkgLength, EncodesEveryBoundaryInTheSmallestForm) {
    // Payloads on both sides of each size step: the length counts its own bytes, so the step
    // from 1 to 2 bytes comes at payload 63, not 64.
    for (size_t payload : {0UL, 1UL, 61UL, 62UL, 63UL, 64UL, 4092UL, 4093UL, 4094UL, 4095UL, 4096UL,
                           0xffffcUL, 0xffffdUL, 0xfffffUL, 0xffffffbUL}) {
        auto const encoded = aml::pkg_length(payload);
        auto const decoded = testing::decode_pkg_length(encoded);
        ASSERT_TRUE(decoded) << decoded.error().message();
        EXPECT_EQ(decoded->encoded_size, encoded.size()) << "payload " << payload;
        EXPECT_EQ(decoded->value, payload + encoded.size()) << "payload " << payload;
        EXPECT_EQ(encoded.size(), smallest_pkg_length_size(payload + encoded.size()))
            << "payload " << payload;
        if (encoded.size() > 1) {
            EXPECT_GT(payload + encoded.size(), 0x3fU) << "a longer form than needed";
        }
    }
}

TEST(AmlPkgLength, StepsAtTheDocumentedPayloads) {
    EXPECT_EQ(aml::pkg_length(62).size(), 1U);
    EXPECT_EQ(aml::pkg_length(63).size(), 2U);
    EXPECT_EQ(aml::pkg_length(4093).size(), 2U);
    EXPECT_EQ(aml::pkg_length(4094).size(), 3U);
    EXPECT_EQ(aml::pkg_length(0xffffc).size(), 3U);
    EXPECT_EQ(aml::pkg_length(0xffffd).size(), 4U);
}

// Buffers around each boundary must decode whole inside an enclosing scope.
TEST(AmlPkgLength, NestedPackagesDecodeAcrossBoundaries) {
    for (size_t size : {0UL, 55UL, 56UL, 57UL, 58UL, 59UL, 60UL, 61UL, 62UL, 63UL, 64UL, 4085UL,
                        4086UL, 4087UL, 4088UL, 4089UL, 4090UL, 70000UL}) {
        std::vector<uint8_t> data(size);
        for (size_t i = 0; i < size; ++i)
            data[i] = static_cast<uint8_t>(i * 7);
        auto const aml = aml::scope("_SB", aml::name("BUF0", aml::buffer(data)));
        auto const terms = testing::parse_aml(aml);
        ASSERT_TRUE(terms) << "size " << size << ": " << terms.error().message();
        ASSERT_EQ(terms->size(), 1U);
        Term const& buffer = terms->at(0).children.at(0).children.at(0);
        EXPECT_EQ(buffer.kind, Term::Kind::Buffer);
        EXPECT_EQ(buffer.value, size);
        EXPECT_EQ(buffer.data, data);
    }
}

TEST(AmlInteger, UsesTheShortestEncoding) {
    struct Case {
        uint64_t value;
        size_t size;
    };
    // Zero and One are one-byte opcodes; then Byte, Word, DWord and QWord with a prefix.
    for (auto [value, size] :
         {Case{0, 1}, Case{1, 1}, Case{2, 2}, Case{0xff, 2}, Case{0x100, 3}, Case{0xffff, 3},
          Case{0x10000, 5}, Case{0xffffffff, 5}, Case{0x100000000, 9}, Case{UINT64_MAX, 9}}) {
        auto const encoded = aml::integer(value);
        EXPECT_EQ(encoded.size(), size) << std::hex << value;
        auto const terms = testing::parse_aml(aml::name("NUM0", encoded));
        ASSERT_TRUE(terms) << terms.error().message();
        Term const& decoded = terms->at(0).children.at(0);
        EXPECT_EQ(decoded.kind, Term::Kind::Integer);
        EXPECT_EQ(decoded.value, value);
    }
}

std::string as_text(Bytes const& bytes) {
    return {bytes.begin(), bytes.end()};
}

TEST(AmlNameString, PadsSegmentsAndUsesThePrefixes) {
    // ACPI 6.5 20.2.2: one segment bare, two after DualNamePrefix (0x2E), more after
    // MultiNamePrefix (0x2F) and a count.
    EXPECT_EQ(as_text(aml::reference("_S5")), "_S5_");
    EXPECT_EQ(as_text(aml::reference("\\_SB.PCI0")), "\\\x2e_SB_PCI0");
    EXPECT_EQ(as_text(aml::reference("\\_SB.PCI0.S1")), std::string("\\\x2f\x03_SB_PCI0S1__"));
    EXPECT_EQ(as_text(aml::reference("^^CDW1")), "^^CDW1");
    auto const terms = testing::parse_aml(aml::name("\\_SB.PCI0.S1.X", aml::integer(3)));
    ASSERT_TRUE(terms) << terms.error().message();
    EXPECT_EQ(terms->at(0).name, "\\_SB_.PCI0.S1__.X___");
}

TEST(AmlString, IsNullTerminatedAscii) {
    auto const encoded = aml::string("ACPI0007");
    ASSERT_EQ(encoded.size(), 10U);
    EXPECT_EQ(encoded.front(), 0x0d); // StringPrefix
    EXPECT_EQ(encoded.back(), 0x00);
    auto const terms = testing::parse_aml(aml::name("_HID", encoded));
    ASSERT_TRUE(terms) << terms.error().message();
    auto const& text = terms->at(0).children.at(0).data;
    EXPECT_EQ(std::string(text.begin(), text.end()), "ACPI0007");
}

TEST(AmlEisaId, CompressesLettersAndDigits) {
    // PNP0A03 is the example the ASL reference gives for EISAID: 0x030AD041.
    EXPECT_EQ(aml::EisaId("PNP0A03").value(), 0x030ad041U);
    EXPECT_EQ(testing::decode_eisa_id(aml::EisaId("PNP0501").value()), "PNP0501");
    EXPECT_EQ(testing::decode_eisa_id(aml::EisaId("PNP0C02").value()), "PNP0C02");
    EXPECT_EQ(testing::decode_eisa_id(aml::EisaId("ZYX9F8E").value()), "ZYX9F8E");
}

TEST(AmlUuid, LaysOutLikeToUuid) {
    // ACPI 6.5 19.6, ToUUID: the first three groups are stored little-endian.
    constexpr aml::Uuid kUuid("33DB4D5B-1FF7-401C-9657-7441C03DD766");
    auto const bytes = kUuid.bytes();
    std::vector<uint8_t> const expected{0x5b, 0x4d, 0xdb, 0x33, 0xf7, 0x1f, 0x1c, 0x40,
                                        0x96, 0x57, 0x74, 0x41, 0xc0, 0x3d, 0xd7, 0x66};
    EXPECT_EQ(std::vector<uint8_t>(bytes.begin(), bytes.end()), expected);
}

TEST(AmlMethod, EncodesArgumentCountAndSerialization) {
    auto const aml = aml::terms({
        aml::method("M4NS", 4, aml::Serialized::No, aml::return_value(aml::arg(aml::Arg::Arg3))),
        aml::method("M2SE", 2, aml::Serialized::Yes, aml::return_value(aml::integer(7))),
    });
    auto const terms = testing::parse_aml(aml);
    ASSERT_TRUE(terms) << terms.error().message();
    ASSERT_EQ(terms->size(), 2U);
    EXPECT_EQ(terms->at(0).value, 0x04U); // MethodFlags: 4 arguments
    EXPECT_EQ(terms->at(1).value, 0x0aU); // 2 arguments, SerializeFlag (bit 3)
    EXPECT_EQ(terms->at(0).children.at(0).children.at(0).kind, Term::Kind::Arg);
    EXPECT_EQ(terms->at(0).children.at(0).children.at(0).value, 3U);
}

TEST(AmlNamespace, DevicesNestInsideScopes) {
    auto const aml = aml::scope(
        "_SB", aml::terms({aml::device("DEV0", aml::name("_UID", aml::integer(0))),
                           aml::device("DEV1", aml::terms({aml::name("_UID", aml::integer(1)),
                                                           aml::device("CHLD", {})}))}));
    auto const terms = testing::parse_aml(aml);
    ASSERT_TRUE(terms) << terms.error().message();
    auto const names = testing::build_namespace(*terms);
    ASSERT_TRUE(names) << names.error().message();
    EXPECT_TRUE(names->contains("\\_SB_.DEV0._UID"));
    EXPECT_EQ(names->at("\\_SB_.DEV1._UID")->value, 1U);
    EXPECT_EQ(names->at("\\_SB_.DEV1.CHLD")->kind, Term::Kind::Device);
}

TEST(AmlPackage, CountsItsElements) {
    auto const aml = aml::name(
        "PKG0", aml::package({aml::integer(5), aml::string("x"), aml::package({aml::integer(0)})}));
    auto const terms = testing::parse_aml(aml);
    ASSERT_TRUE(terms) << terms.error().message();
    Term const& package = terms->at(0).children.at(0);
    EXPECT_EQ(package.value, 3U);
    ASSERT_EQ(package.children.size(), 3U);
    EXPECT_EQ(package.children[2].kind, Term::Kind::Package);
}

} // namespace
} // namespace vireo::acpi
