#include "devices/virtio/balloon/page_release.h"

#include <utility>

#include <fcntl.h>

#include "devices/virtio/balloon/balloon_spec.h"
#include "memory/guest_memory.h"

namespace vireo::virtio::balloon {

namespace {

// The RAM region holding all of [address, address + length), if one does.
MemoryRegion const* region_of(GuestMemory const& memory, uint64_t address, uint64_t length) {
    for (auto const& region : memory.regions()) {
        uint64_t const offset = address - region.guest_address;
        if (address >= region.guest_address && offset < region.size &&
            length <= region.size - offset)
            return &region;
    }
    return nullptr;
}

} // namespace

Result<void> release_guest_range(GuestMemory& memory, uint64_t address, uint64_t length) {
    if (address % kPageSize != 0 || length % kPageSize != 0)
        return make_error("guest range {:#x}+{:#x} is not whole 4 KiB pages", address, length);
    auto const* region = region_of(memory, address, length);
    if (region == nullptr)
        return make_error("guest range {:#x}+{:#x} is not RAM", address, length);
    if (length == 0)
        return {};
    uint64_t const file_offset = region->file_offset + (address - region->guest_address);
    if (fallocate(memory.memfd(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                  static_cast<off_t>(file_offset), static_cast<off_t>(length)) != 0)
        return errno_error("returning guest range {:#x}+{:#x} to the host", address, length);
    memory.notify_written(address, length);
    return {};
}

bool PageReleaser::add(uint64_t address) {
    if (address % kPageSize != 0 || !memory_.contains(address, kPageSize))
        return false;
    if (run_length_ != 0 && address == run_start_ + run_length_) {
        run_length_ += kPageSize;
        return true;
    }
    release_run();
    run_start_ = address;
    run_length_ = kPageSize;
    return true;
}

Result<void> PageReleaser::finish() {
    release_run();
    if (error_)
        return tl::unexpected(*std::exchange(error_, std::nullopt));
    return {};
}

void PageReleaser::release_run() {
    if (run_length_ == 0)
        return;
    if (auto released = release_guest_range(memory_, run_start_, run_length_); released)
        released_ += run_length_;
    else if (!error_)
        error_ = released.error();
    run_length_ = 0;
}

} // namespace vireo::virtio::balloon
