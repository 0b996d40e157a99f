#include "devices/pci/config_space.h"

namespace vireo::pci {

void ConfigSpace::read(uint16_t offset, std::span<uint8_t> data) const {
    for (size_t i = 0; i < data.size(); ++i) {
        size_t const at = size_t{offset} + i;
        data[i] = at < kConfigSpaceSize ? bytes_[at] : 0;
    }
}

void ConfigSpace::write(uint16_t offset, std::span<uint8_t const> data) {
    for (size_t i = 0; i < data.size(); ++i) {
        size_t const at = size_t{offset} + i;
        if (at >= kConfigSpaceSize)
            return;
        auto const value = data[i];
        uint8_t const kept = bytes_[at] & static_cast<uint8_t>(~writable_[at]);
        uint8_t const cleared = value & write_clear_[at];
        bytes_[at] = static_cast<uint8_t>((kept | (value & writable_[at])) & ~cleared);
    }
}

uint32_t ConfigSpace::get(uint16_t offset, unsigned width) const {
    uint32_t value = 0;
    for (unsigned i = 0; i < width && offset + i < kConfigSpaceSize; ++i)
        value |= uint32_t{bytes_[offset + i]} << (8 * i);
    return value;
}

uint16_t ConfigSpace::get16(uint16_t offset) const {
    return static_cast<uint16_t>(get(offset, 2));
}

uint32_t ConfigSpace::get32(uint16_t offset) const {
    return get(offset, 4);
}

void ConfigSpace::put(std::array<uint8_t, kConfigSpaceSize>& target, uint16_t offset,
                      unsigned width, uint32_t value) {
    for (unsigned i = 0; i < width && offset + i < kConfigSpaceSize; ++i)
        target[offset + i] = static_cast<uint8_t>(value >> (8 * i));
}

void ConfigSpace::set16(uint16_t offset, uint16_t value) {
    put(bytes_, offset, 2, value);
}

void ConfigSpace::set32(uint16_t offset, uint32_t value) {
    put(bytes_, offset, 4, value);
}

void ConfigSpace::set_writable(uint16_t offset, unsigned width, uint32_t mask) {
    put(writable_, offset, width, mask);
}

void ConfigSpace::set_write_clear(uint16_t offset, unsigned width, uint32_t mask) {
    put(write_clear_, offset, width, mask);
}

} // namespace vireo::pci
