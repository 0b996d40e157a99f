#include "devices/virtio/balloon/balloon_stats.h"

#include <cstring>

namespace vireo::virtio::balloon {

BalloonStats parse_stats(std::span<uint8_t const> buffer) {
    BalloonStats stats;
    for (size_t offset = 0; offset + kStatEntrySize <= buffer.size(); offset += kStatEntrySize) {
        uint16_t tag = 0;
        uint64_t value = 0;
        std::memcpy(&tag, buffer.data() + offset, sizeof(tag));
        std::memcpy(&value, buffer.data() + offset + sizeof(tag), sizeof(value));
        if (tag < kStatTagCount)
            stats.values[tag] = value;
    }
    return stats;
}

} // namespace vireo::virtio::balloon
