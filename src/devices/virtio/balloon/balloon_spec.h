// Constants of the traditional memory balloon device (virtio 1.2 5.5), named as the
// specification names them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vireo::virtio::balloon {

// Feature bits (virtio 1.2 5.5.3).
inline constexpr uint64_t kFeatureMustTellHost = uint64_t{1} << 0;
inline constexpr uint64_t kFeatureStatsVq = uint64_t{1} << 1;
inline constexpr uint64_t kFeatureDeflateOnOom = uint64_t{1} << 2;
inline constexpr uint64_t kFeatureFreePageHint = uint64_t{1} << 3;
inline constexpr uint64_t kFeaturePagePoison = uint64_t{1} << 4;
inline constexpr uint64_t kFeaturePageReporting = uint64_t{1} << 5;

// The virtqueues in the order they are numbered (virtio 1.2 5.5.2). A queue whose feature
// was not negotiated takes no index: the ones after it move down (Linux's virtio_pci numbers
// them so, and QEMU's device agrees).
enum class QueueRole { Inflate, Deflate, Stats, FreePageHint, Reporting };

// struct virtio_balloon_config (virtio 1.2 5.5.4): le32 num_pages, written by the device (the
// balloon size it asks for); le32 actual, written by the driver (the size it has). The
// free_page_hint_cmd_id and poison_val fields that follow belong to features vireo does
// not offer.
inline constexpr uint32_t kConfigNumPages = 0;
inline constexpr uint32_t kConfigActual = 4;
inline constexpr uint32_t kConfigSize = 8;

// Page frame numbers on inflateq and deflateq are le32 and count 4096-byte pages, whatever
// the guest's own page size (virtio 1.2 5.5.6, VIRTIO_BALLOON_PFN_SHIFT).
inline constexpr unsigned kPfnShift = 12;
inline constexpr uint64_t kPageSize = uint64_t{1} << kPfnShift;
inline constexpr size_t kPfnSize = 4;

// Memory statistics tags (virtio 1.2 5.5.6.4).
enum class StatTag : uint16_t {
    SwapIn = 0,
    SwapOut = 1,
    MajorFaults = 2,
    MinorFaults = 3,
    FreeMemory = 4,
    TotalMemory = 5,
    AvailableMemory = 6,
    DiskCaches = 7,
    HugetlbAllocations = 8,
    HugetlbFailures = 9,
};
inline constexpr size_t kStatTagCount = 10;
// struct virtio_balloon_stat (virtio 1.2 5.5.6.3): le16 tag, le64 val, packed.
inline constexpr size_t kStatEntrySize = 10;

} // namespace vireo::virtio::balloon
