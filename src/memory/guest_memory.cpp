#include "memory/guest_memory.h"

#include <sys/mman.h>

#include <fcntl.h>
#include <unistd.h>

#include "x86/pc_layout.h"

namespace vireo {

Result<std::unique_ptr<GuestMemory>> GuestMemory::create(uint64_t ram_bytes) {
    if (ram_bytes < 2 * pc::kBiosHoleEnd)
        return make_error("guest memory of {} bytes is too small (minimum 2 MiB)", ram_bytes);
    if (ram_bytes % 4096 != 0)
        return make_error("guest memory size must be a multiple of 4 KiB");

    UniqueFd memfd(memfd_create("vireo-guest-ram", MFD_CLOEXEC));
    if (!memfd.valid())
        return errno_error("memfd_create");
    if (ftruncate(memfd.get(), static_cast<off_t>(ram_bytes)) != 0)
        return errno_error("sizing guest memory to {} bytes", ram_bytes);

    std::vector<MemoryRegion> regions;
    uint64_t const low = std::min(ram_bytes, pc::kMmioHoleStart);
    regions.push_back({0, low, nullptr, 0});
    if (ram_bytes > low)
        regions.push_back({pc::kHighMemoryStart, ram_bytes - low, nullptr, low});

    for (auto& region : regions) {
        // MAP_NORESERVE: guest memory is populated lazily, so a large guest only costs what
        // it touches (memory overcommit builds on this).
        void* host = mmap(nullptr, region.size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
                          memfd.get(), static_cast<off_t>(region.file_offset));
        if (host == MAP_FAILED) {
            auto error = Error::from_errno("mapping {} bytes of guest memory", region.size);
            for (auto& mapped : regions) {
                if (mapped.host != nullptr)
                    munmap(mapped.host, mapped.size);
            }
            return tl::unexpected(error);
        }
        region.host = static_cast<uint8_t*>(host);
        madvise(host, region.size, MADV_DONTDUMP);
    }
    return std::unique_ptr<GuestMemory>(
        new GuestMemory(std::move(memfd), ram_bytes, std::move(regions)));
}

GuestMemory::GuestMemory(UniqueFd memfd, uint64_t ram_size, std::vector<MemoryRegion> regions)
    : memfd_(std::move(memfd))
    , ram_size_(ram_size)
    , regions_(std::move(regions)) {}

GuestMemory::~GuestMemory() {
    for (auto& region : regions_)
        munmap(region.host, region.size);
}

Result<void> GuestMemory::read(uint64_t address, std::span<uint8_t> out) const {
    uint8_t const* source = host_pointer(address, out.size());
    if (source == nullptr)
        return make_error("guest range {:#x}+{:#x} is not RAM", address, out.size());
    // An empty span's data() may be null, which memcpy must not get even for no bytes.
    if (!out.empty())
        std::memcpy(out.data(), source, out.size());
    return {};
}

Result<void> GuestMemory::write(uint64_t address, std::span<uint8_t const> data) {
    uint8_t* target = host_pointer(address, data.size());
    if (target == nullptr)
        return make_error("guest range {:#x}+{:#x} is not RAM", address, data.size());
    if (!data.empty())
        std::memcpy(target, data.data(), data.size());
    notify_written(address, data.size());
    return {};
}

Result<void> GuestMemory::discard_all() {
    if (fallocate(memfd_.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
                  static_cast<off_t>(ram_size_)) != 0)
        return errno_error("discarding guest memory");
    return {};
}

} // namespace vireo
