#include "resource_reader.h"

#include "guest_tables.h"

namespace vireo::acpi::testing {

namespace {

Result<Descriptor> small_item(uint8_t item, std::span<uint8_t const> data) {
    if (item == 0x04 && data.size() == 2)
        return IrqNoFlags{static_cast<uint16_t>(field(data, 0, 2))};
    if (item == 0x08 && data.size() == 7) {
        return IoPort{(data[0] & 1) != 0, static_cast<uint16_t>(field(data, 1, 2)),
                      static_cast<uint16_t>(field(data, 3, 2)), data[5], data[6]};
    }
    return make_error("unexpected small item {:#x} of length {}", item, data.size());
}

Result<Descriptor> large_item(uint8_t tag, std::span<uint8_t const> data) {
    if (tag == 0x86 && data.size() == 9) {
        return FixedMemory32{(data[0] & 1) != 0, static_cast<uint32_t>(field(data, 1, 4)),
                             static_cast<uint32_t>(field(data, 5, 4))};
    }
    size_t const width = tag == 0x88 ? 2 : tag == 0x87 ? 4 : tag == 0x8a ? 8 : 0;
    if (width == 0 || data.size() != 3 + 5 * width)
        return make_error("unexpected large item {:#x} of length {}", tag, data.size());
    auto const at = [&](size_t index) {
        return field(data, 3 + index * width, width);
    };
    return AddressSpace{width, data[0], data[1], data[2], at(0), at(1), at(2), at(3), at(4)};
}

} // namespace

Result<std::vector<Descriptor>> decode_resources(std::span<uint8_t const> bytes) {
    std::vector<Descriptor> descriptors;
    size_t offset = 0;
    while (offset < bytes.size()) {
        uint8_t const tag = bytes[offset];
        bool const large = (tag & 0x80) != 0;
        size_t const header = large ? 3 : 1;
        if (offset + header > bytes.size())
            return make_error("descriptor header at {} is truncated", offset);
        size_t const length = large ? field(bytes, offset + 1, 2) : (tag & 0x7U);
        if (offset + header + length > bytes.size())
            return make_error("descriptor at {} overruns the template", offset);
        auto const data = bytes.subspan(offset + header, length);
        offset += header + length;
        if (!large && (tag >> 3) == 0x0f) {
            if (length != 1 || offset != bytes.size())
                return make_error("End Tag is malformed or not last");
            if (data[0] != 0 && byte_sum(bytes) != 0)
                return make_error("resource template checksum is wrong");
            return descriptors;
        }
        descriptors.push_back(large ? TRY(large_item(tag, data)) : TRY(small_item(tag >> 3, data)));
    }
    return make_error("resource template has no End Tag");
}

} // namespace vireo::acpi::testing
