// The system address map every boot format hands to the kernel (as e820_table, the PVH memmap
// or the multiboot mmap).
#include <algorithm>

#include "boot/loader.h"
#include "memory/guest_memory.h"
#include "x86/pc_layout.h"

namespace vireo::boot {

namespace {

// Appends the part of [start, end) that lies inside [lower, upper), if any.
void add_clipped(std::vector<E820Entry>& map, uint64_t start, uint64_t end, uint64_t lower,
                 uint64_t upper, uint32_t type) {
    uint64_t const from = std::max(start, lower);
    uint64_t const to = std::min(end, upper);
    if (from < to)
        map.push_back({from, to - from, type});
}

// Joins neighbours of the same type, so the map is as short as a firmware's would be.
std::vector<E820Entry> merge_adjacent(std::vector<E820Entry> map) {
    std::sort(map.begin(), map.end(),
              [](E820Entry const& a, E820Entry const& b) { return a.address < b.address; });
    std::vector<E820Entry> merged;
    for (auto const& entry : map) {
        if (!merged.empty() && merged.back().type == entry.type &&
            merged.back().end() == entry.address) {
            merged.back().size += entry.size;
            continue;
        }
        merged.push_back(entry);
    }
    return merged;
}

} // namespace

std::vector<E820Entry> build_e820(GuestMemory const& memory) {
    std::vector<E820Entry> map;
    for (auto const& region : memory.regions()) {
        uint64_t const start = region.guest_address;
        uint64_t const end = region.guest_address + region.size;
        add_clipped(map, start, end, 0, pc::kEbdaStart, kE820Ram);
        // The EBDA, the VGA window and the BIOS area are RAM in vireo, but a PC reserves them
        // and the ACPI tables are there (ACPI 6.5 5.2.5.1: the RSDP is found in 0xE0000-0xFFFFF).
        add_clipped(map, start, end, pc::kEbdaStart, pc::kBiosHoleEnd, kE820Reserved);
        add_clipped(map, start, end, pc::kBiosHoleEnd, UINT64_MAX, kE820Ram);
    }
    // PCI Firmware Specification 3.3 4.1.2: the ECAM window the MCFG table describes must be
    // reserved in the system address map; Linux ignores MCFG otherwise ("MMCONFIG ... not
    // reserved") and falls back to port-based configuration access.
    map.push_back({pc::kPciEcamStart, pc::kPciEcamSize, kE820Reserved});
    return merge_adjacent(std::move(map));
}

} // namespace vireo::boot
