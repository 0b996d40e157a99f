// Constants of the virtio 1.2 specification that the transport, the queues and the devices
// share, named as the specification names them.
#pragma once

#include <cstdint>

namespace vireo::virtio {

// Device types (virtio 1.2 5, "Device Types", table of Device IDs).
enum class DeviceType : uint16_t {
    Net = 1,
    Block = 2,
    Console = 3,
    Entropy = 4,
    Balloon = 5,
    Vsock = 19,
};

// Device status bits (virtio 1.2 2.1).
inline constexpr uint8_t kStatusAcknowledge = 1;
inline constexpr uint8_t kStatusDriver = 2;
inline constexpr uint8_t kStatusDriverOk = 4;
inline constexpr uint8_t kStatusFeaturesOk = 8;
inline constexpr uint8_t kStatusNeedsReset = 64;
inline constexpr uint8_t kStatusFailed = 128;

// Reserved feature bits (virtio 1.2 6, "Reserved Feature Bits").
inline constexpr uint64_t kFeatureIndirectDesc = uint64_t{1} << 28;
inline constexpr uint64_t kFeatureEventIdx = uint64_t{1} << 29;
inline constexpr uint64_t kFeatureVersion1 = uint64_t{1} << 32;
inline constexpr uint64_t kFeatureAccessPlatform = uint64_t{1} << 33;
inline constexpr uint64_t kFeatureRingPacked = uint64_t{1} << 34;
inline constexpr uint64_t kFeatureInOrder = uint64_t{1} << 35;
inline constexpr uint64_t kFeatureRingReset = uint64_t{1} << 40;
// Bits 24 to 40 belong to the transport and queue mechanisms (virtio 1.2 2.2); a device's
// own features lie outside them.
inline constexpr uint64_t kTransportFeatureMask =
    ((uint64_t{1} << 41) - 1) & ~((uint64_t{1} << 24) - 1);

// Split virtqueue descriptor flags (virtio 1.2 2.7.5).
inline constexpr uint16_t kDescNext = 1;
inline constexpr uint16_t kDescWrite = 2;
inline constexpr uint16_t kDescIndirect = 4;
// Ring flags (virtio 1.2 2.7.7, 2.7.10).
inline constexpr uint16_t kAvailNoInterrupt = 1;
inline constexpr uint16_t kUsedNoNotify = 1;

// Queue sizes are powers of two up to 32768 (virtio 1.2 2.7).
inline constexpr uint16_t kMaxQueueSize = 32768;

// "No MSI-X vector" for config_msix_vector and queue_msix_vector (virtio 1.2 4.1.5.1.2).
inline constexpr uint16_t kNoVector = 0xffff;

// Driver writes to the device's buffers are guest-physical; a chain describes less than
// 2^32 bytes in all (virtio 1.2 2.7.5.2), which also bounds the used ring's len field.
inline constexpr uint64_t kMaxChainBytes = 0xffffffff;

} // namespace vireo::virtio
