#include "acpi/resources.h"

#include <limits>

#include "acpi/aml.h"
#include "acpi/invariant.h"

namespace vireo::acpi::resource {

namespace {

// Small resource tags: bit 7 clear, bits 6-3 the item name, bits 2-0 the length
// (ACPI 6.5 6.4.2).
constexpr uint8_t small_tag(uint8_t item, uint8_t length) {
    return static_cast<uint8_t>((item << 3) | length);
}
constexpr uint8_t kIrqItem = 0x04;
constexpr uint8_t kIoItem = 0x08;
constexpr uint8_t kIrqNoFlagsLength = 2; // no information byte: edge, active-high
constexpr uint8_t kIoLength = 7;
constexpr uint8_t kIoDecode16 = 1U << 0; // full 16-bit decode (ACPI 6.5 6.4.2.5)
constexpr uint8_t kIsaIrqCount = 16;

// Large resource tags: bit 7 set and the item name, followed by a 16-bit length
// (ACPI 6.5 6.4.3).
constexpr uint8_t kMemory32FixedTag = 0x86;
constexpr uint8_t kDWordAddressTag = 0x87;
constexpr uint8_t kWordAddressTag = 0x88;
constexpr uint8_t kQWordAddressTag = 0x8a;
constexpr uint8_t kMemoryReadWrite = 1U << 0; // ACPI 6.5 6.4.3.4

// Address space descriptor fields (ACPI 6.5 6.4.3.5.1-6.4.3.5.3).
enum class ResourceType : uint8_t { Memory = 0, Io = 1, BusNumber = 2 };
// General flags: _MIF and _MAF set (a window of fixed size and place), positive decode, and
// bit 0 clear, which is ASL's ResourceProducer and which Linux reads as "bridge window".
constexpr uint8_t kMinFixed = 1U << 2;
constexpr uint8_t kMaxFixed = 1U << 3;
constexpr uint8_t kProducerFixedWindow = kMinFixed | kMaxFixed;
// Type-specific flags: memory is non-cacheable and read-write (bits 2-1 = 0, bit 0 = 1);
// I/O decodes the entire range, ISA and non-ISA (_RNG = 3).
constexpr uint8_t kMemoryNonCacheableReadWrite = 1U << 0;
constexpr uint8_t kIoEntireRange = 3;

uint8_t type_flags(ResourceType type) {
    switch (type) {
    case ResourceType::Memory:
        return kMemoryNonCacheableReadWrite;
    case ResourceType::Io:
        return kIoEntireRange;
    case ResourceType::BusNumber:
        return 0;
    }
    return 0;
}

// One address space descriptor whose numeric fields are `Field` wide: granularity, minimum,
// maximum, translation offset and length, in that order.
template <typename Field>
Bytes address_space(uint8_t tag, ResourceType type, Field base, Field length) {
    check_invariant(length != 0, "an address space window is not empty");
    check_invariant(base <= std::numeric_limits<Field>::max() - (length - 1),
                    "an address space window fits its descriptor");
    constexpr size_t kFixedFields = 3; // resource type, general flags, type-specific flags
    constexpr auto kDataLength = static_cast<uint16_t>(kFixedFields + 5 * sizeof(Field));
    Bytes out{tag};
    append_le(out, kDataLength);
    out.push_back(static_cast<uint8_t>(type));
    out.push_back(kProducerFixedWindow);
    out.push_back(type_flags(type));
    append_le(out, Field{0});                              // granularity (_GRA)
    append_le(out, base);                                  // minimum (_MIN)
    append_le(out, static_cast<Field>(base + length - 1)); // maximum (_MAX)
    append_le(out, Field{0});                              // translation offset (_TRA)
    append_le(out, length);                                // length (_LEN)
    return out;
}

} // namespace

Bytes io(uint16_t base, uint8_t length) {
    constexpr uint8_t kAlignment = 1; // irrelevant for a fixed range, but must be non-zero
    Bytes out{small_tag(kIoItem, kIoLength), kIoDecode16};
    append_le(out, base); // minimum base
    append_le(out, base); // maximum base
    out.push_back(kAlignment);
    out.push_back(length);
    return out;
}

Bytes irq_no_flags(uint8_t irq) {
    check_invariant(irq < kIsaIrqCount, "IRQ descriptors name ISA IRQs 0-15");
    Bytes out{small_tag(kIrqItem, kIrqNoFlagsLength)};
    append_le(out, static_cast<uint16_t>(1U << irq));
    return out;
}

Bytes memory32_fixed(uint32_t base, uint32_t length) {
    constexpr uint16_t kDataLength = 9;
    Bytes out{kMemory32FixedTag};
    append_le(out, kDataLength);
    out.push_back(kMemoryReadWrite);
    append_le(out, base);
    append_le(out, length);
    return out;
}

Bytes word_bus_number(uint16_t first, uint16_t length) {
    return address_space(kWordAddressTag, ResourceType::BusNumber, first, length);
}

Bytes word_io(uint16_t base, uint16_t length) {
    return address_space(kWordAddressTag, ResourceType::Io, base, length);
}

Bytes dword_memory(uint32_t base, uint32_t length) {
    return address_space(kDWordAddressTag, ResourceType::Memory, base, length);
}

Bytes qword_memory(uint64_t base, uint64_t length) {
    return address_space(kQWordAddressTag, ResourceType::Memory, base, length);
}

} // namespace vireo::acpi::resource

namespace vireo::acpi {

Bytes resource_template(std::vector<Bytes> const& descriptors) {
    // End Tag: small item 0x0F of length 1, whose one byte is the checksum.
    constexpr uint8_t kEndTag = (0x0f << 3) | 1;
    Bytes data;
    for (auto const& descriptor : descriptors)
        append(data, descriptor);
    data.push_back(kEndTag);
    data.push_back(0);
    data.back() = checksum_byte(data);
    return aml::buffer(data);
}

} // namespace vireo::acpi
