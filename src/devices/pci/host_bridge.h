// The host bridge at 00:00.0: a function with no BARs whose class code tells the guest that
// this bus hangs off the CPU (Linux's pci_sanity_check looks for it before trusting
// configuration mechanism #1).
#pragma once

#include "devices/pci/pci_device.h"

namespace vireo::pci {

// Red Hat's ID for QEMU's generic PCI Express host bridge (QEMU docs/specs/pci-ids.rst,
// 1b36:0008). It names a plain host bridge that guests attach no chipset driver or quirk to,
// which is what vireo's is; the Q35 ID (8086:29c0) would invite Intel chipset drivers.
inline constexpr uint16_t kRedHatVendorId = 0x1b36;
inline constexpr uint16_t kHostBridgeDeviceId = 0x0008;

class HostBridge final : public PciDevice {
public:
    HostBridge()
        : PciDevice(PciIdentity{.vendor_id = kRedHatVendorId,
                                .device_id = kHostBridgeDeviceId,
                                .revision = 0,
                                .class_code = kClassHostBridge,
                                .subsystem_vendor_id = kRedHatVendorId,
                                .subsystem_id = kHostBridgeDeviceId}) {}

    std::string_view name() const override { return "pci-host-bridge"; }
};

} // namespace vireo::pci
