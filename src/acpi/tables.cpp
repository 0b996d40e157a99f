#include "acpi/tables.h"

#include <algorithm>

#include "acpi/dsdt.h"
#include "acpi/fadt.h"
#include "acpi/madt.h"
#include "acpi/mcfg.h"
#include "acpi/root.h"
#include "acpi/validate.h"
#include "base/trace.h"

namespace vireo::acpi {

namespace {

// The blob starts 64-byte aligned so that offsets aligned inside it are aligned in the guest
// too; 64 is the strictest alignment of its contents (the FACS, ACPI 6.5 5.2.10).
constexpr uint64_t kBlobAlignment = kFacsAlignment;
// Tables need no alignment (ACPI 6.5 5.2.6); 8 keeps their 64-bit fields naturally aligned.
constexpr size_t kTableAlignment = 8;

// Tables placed one after another in a blob destined for a guest-physical address.
class Layout {
public:
    explicit Layout(uint64_t guest_address)
        : base_(guest_address) {}

    // Appends `table` at the next multiple of `alignment` and returns its guest address.
    uint64_t place(Bytes const& table, size_t alignment) {
        uint64_t const address = reserve(table.size(), alignment);
        std::copy(table.begin(), table.end(), bytes_.end() - static_cast<long>(table.size()));
        return address;
    }

    // Leaves `size` zero bytes for a table written later with fill().
    uint64_t reserve(size_t size, size_t alignment) {
        bytes_.resize((bytes_.size() + alignment - 1) / alignment * alignment);
        uint64_t const address = base_ + bytes_.size();
        bytes_.resize(bytes_.size() + size);
        return address;
    }

    void fill(uint64_t address, Bytes const& table) {
        std::copy(table.begin(), table.end(), bytes_.begin() + static_cast<long>(address - base_));
    }

    Bytes take() && { return std::move(bytes_); }

private:
    uint64_t base_;
    Bytes bytes_;
};

} // namespace

Result<AcpiBlob> build_tables(AcpiConfig const& config, uint64_t guest_address, size_t max_size) {
    TRY_CONTEXT(validate(config), "ACPI tables");
    if (guest_address % kBlobAlignment != 0)
        return make_error("ACPI tables: address {:#x} is not {}-byte aligned", guest_address,
                          kBlobAlignment);

    Layout layout(guest_address);
    // The RSDP comes first, so the guest's scan of the BIOS area meets it at once.
    uint64_t const rsdp = layout.reserve(kRsdpSize, kRsdpAlignment);
    uint64_t const facs = layout.place(build_facs(), kFacsAlignment);
    uint64_t const dsdt = layout.place(build_dsdt(config), kTableAlignment);
    std::vector<uint64_t> described{
        layout.place(build_fadt({.facs = facs, .dsdt = dsdt}), kTableAlignment),
        layout.place(build_madt(config), kTableAlignment),
    };
    if (config.pci)
        described.push_back(layout.place(build_mcfg(*config.pci), kTableAlignment));
    uint64_t const xsdt = layout.place(build_xsdt(described), kTableAlignment);
    layout.fill(rsdp, build_rsdp(xsdt));

    Bytes bytes = std::move(layout).take();
    if (bytes.size() > max_size)
        return make_error("ACPI tables need {} bytes, only {} fit at {:#x}", bytes.size(), max_size,
                          guest_address);
    VIREO_TRACE(Acpi, "tables at {:#x}-{:#x}: RSDP {:#x}, XSDT {:#x}, DSDT {:#x}, FACS {:#x}",
                guest_address, guest_address + bytes.size() - 1, rsdp, xsdt, dsdt, facs);
    return AcpiBlob{
        .bytes = std::move(bytes), .guest_address = guest_address, .rsdp_address = rsdp};
}

} // namespace vireo::acpi
