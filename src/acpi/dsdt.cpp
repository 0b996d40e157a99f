#include "acpi/dsdt.h"

#include "acpi/aml.h"
#include "acpi/pci_host.h"
#include "acpi/resources.h"
#include "acpi/sdt.h"
#include "x86/pc_layout.h"

namespace vireo::acpi {

namespace {

// Revision 2 makes AML integers 64 bits wide (ACPI 6.5 5.2.11.1).
constexpr uint8_t kDsdtRevision = 2;
constexpr uint8_t kUartPortCount = 8; // a 16550's eight registers

// Names at the top of a definition block are in the root scope, so "_S5" is \_S5 and "_SB" is
// \_SB; without the backslash the AML is what iasl's optimizer makes of the same ASL.

// \_S5: SLP_TYPa, SLP_TYPb and two reserved values (ACPI 6.5 7.4.2). OSPM writes SLP_TYPa with
// SLP_EN into PM1a_CNT to power off; there is no PM1b block, so SLP_TYPb repeats it.
Bytes soft_off_package() {
    return aml::name(
        "_S5", aml::package({aml::integer(pc::kAcpiS5SleepType), aml::integer(pc::kAcpiS5SleepType),
                             aml::integer(0), aml::integer(0)}));
}

// PNP0501 is a 16550A-compatible UART (ACPI 6.5 6.1.5 lists PNP IDs as valid _HIDs).
Bytes com1_device() {
    return aml::device("COM1",
                       aml::terms({
                           aml::name("_HID", aml::eisa_id("PNP0501")),
                           aml::name("_UID", aml::integer(1)),
                           aml::name("_CRS", resource_template({
                                                 resource::io(pc::kCom1Port, kUartPortCount),
                                                 resource::irq_no_flags(pc::kCom1Irq),
                                             })),
                       }));
}

Bytes system_bus(AcpiConfig const& config) {
    std::vector<Bytes> devices;
    if (config.com1)
        devices.push_back(com1_device());
    if (config.pci) {
        devices.push_back(pci_host_bridge(*config.pci));
        devices.push_back(ecam_reservation(*config.pci));
    }
    return aml::scope("_SB", aml::terms(devices));
}

} // namespace

Bytes build_dsdt(AcpiConfig const& config) {
    Bytes dsdt;
    append_struct(dsdt, make_header("DSDT", kDsdtRevision));
    append(dsdt, soft_off_package());
    append(dsdt, system_bus(config));
    seal_table(dsdt);
    return dsdt;
}

} // namespace vireo::acpi
