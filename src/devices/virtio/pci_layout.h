// Where a virtio-pci function keeps its structures: everything in BAR 0, a 64-bit memory BAR,
// each structure on its own 4 KiB page (so that a notification page can be trapped alone),
// and the registers of the common configuration structure (virtio 1.2 4.1.4.3).
#pragma once

#include <cstdint>

namespace vireo::virtio::pci_layout {

// PCI IDs (virtio 1.2 4.1.2): vendor 0x1AF4, device 0x1040 + the virtio device type for a
// modern-only device, revision 1 or higher; a subsystem device ID of 0x40 or higher.
inline constexpr uint16_t kVendorId = 0x1af4;
inline constexpr uint16_t kModernDeviceIdBase = 0x1040;
inline constexpr uint8_t kRevision = 1;
inline constexpr uint16_t kSubsystemVendorId = 0x1af4;
inline constexpr uint16_t kSubsystemId = 0x1100;

inline constexpr unsigned kBar = 0;
inline constexpr uint64_t kPage = 4096;
inline constexpr uint64_t kCommonOffset = 0x0000;
inline constexpr uint64_t kIsrOffset = 0x1000;
inline constexpr uint64_t kDeviceConfigOffset = 0x2000;
inline constexpr uint64_t kNotifyOffset = 0x3000;
inline constexpr uint64_t kMsixTableOffset = 0x4000;
// Each queue has its own notification address, 4 bytes apart (virtio 1.2 4.1.4.4: the
// multiplier is an even power of two, or 0), so one page serves 1024 queues.
inline constexpr uint32_t kNotifyMultiplier = 4;
inline constexpr uint64_t kMaxQueues = kPage / kNotifyMultiplier;
inline constexpr uint64_t kMaxDeviceConfigSize = kPage;

// Capability cfg_type values (virtio 1.2 4.1.4).
inline constexpr uint8_t kCapCommon = 1;
inline constexpr uint8_t kCapNotify = 2;
inline constexpr uint8_t kCapIsr = 3;
inline constexpr uint8_t kCapDevice = 4;
inline constexpr uint8_t kCapPciCfg = 5;
// struct virtio_pci_cap: cap_vndr, cap_next, cap_len, cfg_type, bar, id, padding[2],
// le32 offset, le32 length; the notify capability appends notify_off_multiplier, the PCI
// configuration access capability pci_cfg_data[4].
inline constexpr uint8_t kCapLength = 16;
inline constexpr uint8_t kNotifyCapLength = 20;
inline constexpr uint8_t kPciCfgCapLength = 20;
inline constexpr uint16_t kCapCfgType = 3;
inline constexpr uint16_t kCapBar = 4;
inline constexpr uint16_t kCapOffset = 8;
inline constexpr uint16_t kCapStructLength = 12;
inline constexpr uint16_t kCapExtra = 16;

// struct virtio_pci_common_cfg (virtio 1.2 4.1.4.3).
namespace common {
inline constexpr uint64_t kDeviceFeatureSelect = 0x00;
inline constexpr uint64_t kDeviceFeature = 0x04;
inline constexpr uint64_t kDriverFeatureSelect = 0x08;
inline constexpr uint64_t kDriverFeature = 0x0c;
inline constexpr uint64_t kConfigMsixVector = 0x10;
inline constexpr uint64_t kNumQueues = 0x12;
inline constexpr uint64_t kDeviceStatus = 0x14;
inline constexpr uint64_t kConfigGeneration = 0x15;
inline constexpr uint64_t kQueueSelect = 0x16;
inline constexpr uint64_t kQueueSize = 0x18;
inline constexpr uint64_t kQueueMsixVector = 0x1a;
inline constexpr uint64_t kQueueEnable = 0x1c;
inline constexpr uint64_t kQueueNotifyOff = 0x1e;
inline constexpr uint64_t kQueueDesc = 0x20;
inline constexpr uint64_t kQueueDriver = 0x28;
inline constexpr uint64_t kQueueDevice = 0x30;
inline constexpr uint64_t kQueueNotifyData = 0x38;
inline constexpr uint64_t kQueueReset = 0x3a;
inline constexpr uint64_t kSize = 0x3c;
} // namespace common

// ISR status bits (virtio 1.2 4.1.4.5).
inline constexpr uint8_t kIsrQueue = 1;
inline constexpr uint8_t kIsrConfig = 2;

} // namespace vireo::virtio::pci_layout
