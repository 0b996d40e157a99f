// Constants and layouts of the virtio block device (virtio 1.2 5.2), named as the
// specification names them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vireo::virtio::block {

// The protocol's unit: capacity, sectors and lengths count 512-byte sectors whatever the
// device's block size (virtio 1.2 5.2.4, 5.2.5).
inline constexpr uint64_t kSectorSize = 512;
inline constexpr unsigned kSectorShift = 9;

// Feature bits (virtio 1.2 5.2.3).
inline constexpr uint64_t kFeatureSizeMax = uint64_t{1} << 1;
inline constexpr uint64_t kFeatureSegMax = uint64_t{1} << 2;
inline constexpr uint64_t kFeatureRo = uint64_t{1} << 5;
inline constexpr uint64_t kFeatureBlkSize = uint64_t{1} << 6;
inline constexpr uint64_t kFeatureFlush = uint64_t{1} << 9;
inline constexpr uint64_t kFeatureTopology = uint64_t{1} << 10;
inline constexpr uint64_t kFeatureConfigWce = uint64_t{1} << 11;
inline constexpr uint64_t kFeatureMq = uint64_t{1} << 12;
inline constexpr uint64_t kFeatureDiscard = uint64_t{1} << 13;
inline constexpr uint64_t kFeatureWriteZeroes = uint64_t{1} << 14;

// Request types (virtio 1.2 5.2.6).
enum class RequestType : uint32_t {
    In = 0,
    Out = 1,
    Flush = 4,
    GetId = 8,
    GetLifetime = 10,
    Discard = 11,
    WriteZeroes = 13,
    SecureErase = 14,
};

// The status byte the device writes last (virtio 1.2 5.2.6).
enum class Status : uint8_t {
    Ok = 0,
    IoErr = 1,
    Unsupp = 2,
};

// struct virtio_blk_req's header: le32 type, le32 reserved, le64 sector (virtio 1.2 5.2.6).
inline constexpr size_t kHeaderBytes = 16;
inline constexpr size_t kHeaderTypeOffset = 0;
inline constexpr size_t kHeaderSectorOffset = 8;

// GET_ID's data: a NUL-padded ASCII string of up to 20 bytes (virtio 1.2 5.2.6).
inline constexpr size_t kIdBytes = 20;

// struct virtio_blk_discard_write_zeroes: le64 sector, le32 num_sectors, le32 flags, whose
// bit 0 is unmap (virtio 1.2 5.2.6).
inline constexpr size_t kRangeBytes = 16;
inline constexpr size_t kRangeSectorOffset = 0;
inline constexpr size_t kRangeCountOffset = 8;
inline constexpr size_t kRangeFlagsOffset = 12;
inline constexpr uint32_t kRangeFlagUnmap = 1;

// Offsets in struct virtio_blk_config (virtio 1.2 5.2.4). vireo fills the fields up to
// write_zeroes_may_unmap and the padding after it; secure erase and zoned fields stay 0.
namespace config {
inline constexpr uint32_t kCapacity = 0;   // le64
inline constexpr uint32_t kSizeMax = 8;    // le32
inline constexpr uint32_t kSegMax = 12;    // le32
inline constexpr uint32_t kBlkSize = 20;   // le32
inline constexpr uint32_t kNumQueues = 34; // le16
inline constexpr uint32_t kMaxDiscardSectors = 36;
inline constexpr uint32_t kMaxDiscardSeg = 40;
inline constexpr uint32_t kDiscardSectorAlignment = 44;
inline constexpr uint32_t kMaxWriteZeroesSectors = 48;
inline constexpr uint32_t kMaxWriteZeroesSeg = 52;
inline constexpr uint32_t kWriteZeroesMayUnmap = 56; // u8
// Up to and including max_secure_erase_seg and secure_erase_sector_alignment (zeroes).
inline constexpr uint32_t kSize = 72;
} // namespace config

} // namespace vireo::virtio::block
