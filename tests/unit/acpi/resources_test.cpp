// Resource descriptors against an independent decoder (ACPI 6.5 6.4).
#include <numeric>

#include <gtest/gtest.h>

#include "acpi/resources.h"
#include "aml_reader.h"
#include "resource_reader.h"

namespace vireo::acpi {
namespace {

using namespace testing;

template <typename T>
T decode_one(Bytes const& descriptor) {
    Bytes with_end = descriptor;
    with_end.push_back(0x79); // End Tag, checksum 0 meaning "not checked"
    with_end.push_back(0x00);
    auto const decoded = decode_resources(with_end);
    EXPECT_TRUE(decoded) << decoded.error().message();
    if (!decoded || decoded->size() != 1 || !std::holds_alternative<T>(decoded->front())) {
        ADD_FAILURE() << "not exactly one descriptor of the expected type";
        return T{};
    }
    return std::get<T>(decoded->front());
}

TEST(Resources, IoPortIsAFixed16BitRange) {
    auto const io = decode_one<IoPort>(resource::io(0x3f8, 8));
    EXPECT_TRUE(io.decode16);
    EXPECT_EQ(io.min, 0x3f8);
    EXPECT_EQ(io.max, 0x3f8);
    EXPECT_EQ(io.length, 8);
    EXPECT_NE(io.alignment, 0);
}

TEST(Resources, IrqNoFlagsSetsOneMaskBit) {
    EXPECT_EQ(decode_one<IrqNoFlags>(resource::irq_no_flags(4)).mask, 1U << 4);
    EXPECT_EQ(decode_one<IrqNoFlags>(resource::irq_no_flags(15)).mask, 1U << 15);
}

TEST(Resources, Memory32FixedIsReadWrite) {
    auto const memory = decode_one<FixedMemory32>(resource::memory32_fixed(0xe0000000, 0x10000000));
    EXPECT_TRUE(memory.writable);
    EXPECT_EQ(memory.base, 0xe0000000U);
    EXPECT_EQ(memory.length, 0x10000000U);
}

void expect_window(AddressSpace const& space, size_t width, uint8_t type, uint64_t base,
                   uint64_t length) {
    EXPECT_EQ(space.field_width, width);
    EXPECT_EQ(space.resource_type, type);
    // Producer (bit 0 clear), positive decode, _MIF and _MAF set (ACPI 6.5 6.4.3.5).
    EXPECT_EQ(space.general_flags, 0x0c);
    EXPECT_EQ(space.granularity, 0U);
    EXPECT_EQ(space.translation, 0U);
    EXPECT_EQ(space.min, base);
    EXPECT_EQ(space.max, base + length - 1);
    EXPECT_EQ(space.length, length);
}

TEST(Resources, AddressSpaceWindowsDescribeTheirRange) {
    expect_window(decode_one<AddressSpace>(resource::word_bus_number(0, 0x100)), 2, 2, 0, 0x100);
    auto const io = decode_one<AddressSpace>(resource::word_io(0x1000, 0xf000));
    expect_window(io, 2, 1, 0x1000, 0xf000);
    EXPECT_EQ(io.type_flags & 0x3, 0x3); // _RNG: ISA and non-ISA ranges
    auto const mmio = decode_one<AddressSpace>(resource::dword_memory(0xc0000000, 0x20000000));
    expect_window(mmio, 4, 0, 0xc0000000, 0x20000000);
    EXPECT_EQ(mmio.type_flags, 0x01); // non-cacheable, read-write
    auto const high = decode_one<AddressSpace>(resource::qword_memory(1ULL << 39, 1ULL << 38));
    expect_window(high, 8, 0, 1ULL << 39, 1ULL << 38);
}

TEST(Resources, TemplateEndsWithAChecksumThatZeroesTheSum) {
    auto const aml = resource_template({resource::io(0x3f8, 8), resource::irq_no_flags(4)});
    auto const terms = parse_aml(aml);
    ASSERT_TRUE(terms) << terms.error().message();
    auto const& buffer = terms->at(0);
    ASSERT_EQ(buffer.kind, Term::Kind::Buffer);
    EXPECT_EQ(buffer.value, buffer.data.size());
    EXPECT_EQ(buffer.data.end()[-2], 0x79); // End Tag
    EXPECT_NE(buffer.data.back(), 0);       // a real checksum, not "skip the check"
    EXPECT_EQ(std::accumulate(buffer.data.begin(), buffer.data.end(), 0U) & 0xff, 0U);
    auto const descriptors = decode_resources(buffer.data);
    ASSERT_TRUE(descriptors) << descriptors.error().message();
    EXPECT_EQ(descriptors->size(), 2U);
}

TEST(Resources, ReaderRejectsABadChecksum) {
    auto const aml = resource_template({resource::io(0x3f8, 8)});
    auto terms = parse_aml(aml);
    ASSERT_TRUE(terms) << terms.error().message();
    auto data = terms->at(0).data;
    data.back() = static_cast<uint8_t>(data.back() + 1);
    EXPECT_FALSE(decode_resources(data));
}

} // namespace
} // namespace vireo::acpi
