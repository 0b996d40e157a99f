#include "acpi/mcfg.h"

#include "acpi/sdt.h"

namespace vireo::acpi {

namespace {

// PCI Firmware Specification 3.2 4.1.2: the header, 8 reserved bytes, then one allocation
// structure per ECAM range.
constexpr uint8_t kMcfgRevision = 1;

struct [[gnu::packed]] McfgAllocation {
    uint64_t base_address;
    uint16_t segment_group;
    uint8_t bus_start;
    uint8_t bus_end;
    uint32_t reserved;
};
static_assert(sizeof(McfgAllocation) == 16);

} // namespace

Bytes build_mcfg(PciHostConfig const& pci) {
    Bytes mcfg;
    append_struct(mcfg, make_header("MCFG", kMcfgRevision));
    append_le(mcfg, uint64_t{0}); // reserved
    // vireo has one host bridge, segment group 0 (it also answers the DSDT's _SEG).
    append_struct(mcfg, McfgAllocation{.base_address = pci.ecam_base,
                                       .segment_group = 0,
                                       .bus_start = pci.bus_start,
                                       .bus_end = pci.bus_end,
                                       .reserved = 0});
    seal_table(mcfg);
    return mcfg;
}

} // namespace vireo::acpi
