// The memory statistics a guest reports on the balloon's statsq (virtio 1.2 5.5.6.3).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "devices/virtio/balloon/balloon_spec.h"

namespace vireo::virtio::balloon {

struct BalloonStats {
    // What the guest last said for each tag; a guest reports only the tags it knows.
    std::array<std::optional<uint64_t>, kStatTagCount> values{};

    [[nodiscard]] std::optional<uint64_t> get(StatTag tag) const {
        return values[static_cast<size_t>(tag)];
    }
};

// Reads one statsq buffer of 10-byte entries. Entries may come in any order; tags vireo
// does not know are skipped and so is a trailing partial entry (virtio 1.2 5.5.6.3.1). For
// a tag given twice, the later entry wins.
BalloonStats parse_stats(std::span<uint8_t const> buffer);

} // namespace vireo::virtio::balloon
