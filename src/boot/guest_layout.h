// Where a loader may put things in guest RAM, shared by the three formats: the check that a
// kernel's image avoids vireo's boot structures, the command line, the initrd, and a small
// allocator for the boot information area.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "base/result.h"
#include "boot/loader.h"
#include "x86/pc_layout.h"

namespace vireo::boot {

inline constexpr uint64_t kPageSize = 4096;

// vireo's own boot structures (GDT, IDT, start info or zero page, stack, page tables, command
// line) all lie below this address; no part of a kernel image may be loaded there.
inline constexpr uint64_t kBootAreaEnd = pc::kCmdlineAddress + pc::kCmdlineMaxSize;

// The boot information areas of PVH and multiboot: each gets the page at its pc_layout address
// (they share it; only one format is ever loaded), ending where the zero page begins.
inline constexpr uint64_t kBootInfoAreaSize = 0x1000;
static_assert(pc::kPvhStartInfoAddress + kBootInfoAreaSize <= pc::kBootParamsAddress);
static_assert(pc::kMultibootInfoAddress + kBootInfoAreaSize <= pc::kBootParamsAddress);

inline constexpr uint64_t align_down(uint64_t value, uint64_t alignment) {
    return value & ~(alignment - 1);
}
inline constexpr uint64_t align_up(uint64_t value, uint64_t alignment) {
    return (value + alignment - 1) & ~(alignment - 1);
}

// The first byte above the RAM that starts at 1 MiB (the top of low RAM, below the 32-bit MMIO
// hole): the limit for everything that must stay addressable by 32-bit code.
uint64_t low_ram_end(std::span<E820Entry const> map);

// Succeeds if [address, address + size) lies in one usable RAM range and clear of kBootAreaEnd.
// `what` names the part of the image ("segment 2", "bzImage kernel").
Result<void> check_image_placement(std::span<E820Entry const> map, uint64_t address, uint64_t size,
                                   std::string_view what);

// Writes the command line with its terminating NUL at pc::kCmdlineAddress and returns that
// address. `max_length` excludes the NUL.
Result<uint64_t> write_cmdline(GuestMemory& memory, std::string const& cmdline,
                               uint64_t max_length);

// Loads an initrd page-aligned as high as possible below `limit` and above `kernel_end`.
// Returns (address, size).
Result<std::pair<uint64_t, uint64_t>> load_initrd(GuestMemory& memory, std::string const& path,
                                                  uint64_t kernel_end, uint64_t limit);

// Fills [address, address + size) of guest RAM with zeroes (a segment's bss).
Result<void> zero_guest(GuestMemory& memory, uint64_t address, uint64_t size);

// Hands out consecutive pieces of a fixed guest range for one boot information structure and
// the tables it points to.
class BootInfoArea {
public:
    BootInfoArea(uint64_t start, uint64_t size)
        : next_(start)
        , end_(start + size) {}
    Result<uint64_t> allocate(uint64_t size, uint64_t alignment, std::string_view what);

private:
    uint64_t next_;
    uint64_t end_;
};

} // namespace vireo::boot
