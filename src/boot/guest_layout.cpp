#include "boot/guest_layout.h"

#include <algorithm>
#include <cstring>

#include "base/trace.h"
#include "boot/image_file.h"
#include "memory/guest_memory.h"

namespace vireo::boot {

uint64_t low_ram_end(std::span<E820Entry const> map) {
    for (auto const& entry : map) {
        if (entry.type == kE820Ram && entry.address <= pc::kBiosHoleEnd &&
            pc::kBiosHoleEnd < entry.end())
            return std::min(entry.end(), pc::kMmioHoleEnd);
    }
    return pc::kBiosHoleEnd;
}

Result<void> check_image_placement(std::span<E820Entry const> map, uint64_t address, uint64_t size,
                                   std::string_view what) {
    if (address + size < address)
        return make_error("{} ({:#x} bytes at {:#x}) wraps around the address space", what, size,
                          address);
    if (address < kBootAreaEnd)
        return make_error("{} at {:#x}-{:#x} overlaps vireo's boot structures below {:#x}", what,
                          address, address + size, kBootAreaEnd);
    for (auto const& entry : map) {
        if (entry.type == kE820Ram && entry.address <= address && address + size <= entry.end())
            return {};
    }
    return make_error("{} at {:#x}-{:#x} is not in guest RAM", what, address, address + size);
}

Result<uint64_t> write_cmdline(GuestMemory& memory, std::string const& cmdline,
                               uint64_t max_length) {
    uint64_t const limit = std::min(max_length, pc::kCmdlineMaxSize - 1);
    if (cmdline.size() > limit)
        return make_error("kernel command line is {} bytes long; this kernel accepts at most {}",
                          cmdline.size(), limit);
    if (cmdline.find('\0') != std::string::npos)
        return make_error("kernel command line contains a NUL character");
    auto const* bytes = reinterpret_cast<uint8_t const*>(cmdline.c_str());
    TRY(memory.write(pc::kCmdlineAddress, std::span(bytes, cmdline.size() + 1)));
    return pc::kCmdlineAddress;
}

namespace {

Result<std::pair<uint64_t, uint64_t>> place_initrd(GuestMemory& memory, ImageFile const& file,
                                                   uint64_t kernel_end, uint64_t limit) {
    uint64_t const size = file.size();
    // Never below 1 MiB: a kernel loaded low must not pull the initrd into the BIOS hole.
    uint64_t const lowest = align_up(std::max(kernel_end, pc::kBiosHoleEnd), kPageSize);
    if (size > limit || align_down(limit - size, kPageSize) < lowest)
        return make_error("too large: {} bytes, but only {} are free between the kernel's end "
                          "at {:#x} and {:#x}",
                          size, limit > lowest ? limit - lowest : 0, lowest, limit);
    uint64_t const address = align_down(limit - size, kPageSize);
    TRY(file.copy_to_guest(memory, address, 0, size, "initrd"));
    return std::pair{address, size};
}

} // namespace

Result<std::pair<uint64_t, uint64_t>> load_initrd(GuestMemory& memory, std::string const& path,
                                                  uint64_t kernel_end, uint64_t limit) {
    auto const context = fmt::format("initrd {}", path);
    auto const file = TRY_CONTEXT(ImageFile::open(path), context);
    auto const placed = TRY_CONTEXT(place_initrd(memory, file, kernel_end, limit), context);
    VIREO_TRACE(Boot, "initrd {}: {:#x} bytes at {:#x}", path, placed.second, placed.first);
    return placed;
}

Result<void> zero_guest(GuestMemory& memory, uint64_t address, uint64_t size) {
    if (size == 0)
        return {};
    uint8_t* target = memory.host_pointer(address, size);
    if (target == nullptr)
        return make_error("guest range {:#x}+{:#x} is not RAM", address, size);
    std::memset(target, 0, size);
    return {};
}

Result<uint64_t> BootInfoArea::allocate(uint64_t size, uint64_t alignment, std::string_view what) {
    uint64_t const address = align_up(next_, alignment);
    if (address > end_ || size > end_ - address)
        return make_error("{} ({} bytes) does not fit in the boot information area", what, size);
    next_ = address + size;
    return address;
}

} // namespace vireo::boot
