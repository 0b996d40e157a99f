#include "net/checksum.h"

namespace vireo::net {

namespace {

// The checksum field is 16 bits wide (RFC 793 3.1, RFC 768).
constexpr size_t kChecksumFieldSize = 2;

uint16_t fold(uint64_t sum) {
    while (sum > 0xffff)
        sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(sum);
}

} // namespace

uint16_t ones_complement_sum(std::span<uint8_t const> bytes, uint32_t initial) {
    uint64_t sum = initial;
    size_t i = 0;
    for (; i + 1 < bytes.size(); i += 2)
        sum += (uint32_t{bytes[i]} << 8) | bytes[i + 1];
    // An odd trailing byte is padded with a zero byte (RFC 1071 4.1).
    if (i < bytes.size())
        sum += uint32_t{bytes[i]} << 8;
    return fold(sum);
}

Result<void> complete_checksum(NetHeader const& header, std::span<uint8_t> frame) {
    size_t const start = header.csum_start;
    size_t const field = start + header.csum_offset;
    if (start >= frame.size() || field + kChecksumFieldSize > frame.size())
        return make_error("checksum at {}+{} lies outside the {}-byte frame", header.csum_start,
                          header.csum_offset, frame.size());
    uint16_t checksum = static_cast<uint16_t>(~ones_complement_sum(frame.subspan(start)));
    // A computed zero goes out as 0xffff, its other ones' complement form: for UDP a zero
    // field means "no checksum" (RFC 768), and TCP accepts either form.
    if (checksum == 0)
        checksum = 0xffff;
    frame[field] = static_cast<uint8_t>(checksum >> 8);
    frame[field + 1] = static_cast<uint8_t>(checksum);
    return {};
}

} // namespace vireo::net
