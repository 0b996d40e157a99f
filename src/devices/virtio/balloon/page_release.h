// Giving guest pages back to the host. Guest RAM is one memfd (memory/guest_memory.h):
// punching a hole in the file frees the host memory behind a range at once, in every
// mapping of it (vireo's own, and KVM's through its MMU notifier), and the guest reads
// zeroes when it touches the range again.
#pragma once

#include <cstdint>
#include <optional>

#include "base/result.h"

namespace vireo {
class GuestMemory;
}

namespace vireo::virtio::balloon {

// Returns [address, address + length) to the host: whole 4 KiB pages inside one RAM
// region, or an error that names the range. The guest memory's write observers hear of it,
// since the content changed to zeroes.
Result<void> release_guest_range(GuestMemory& memory, uint64_t address, uint64_t length);

// Gathers pages into runs of adjacent pages, so that one system call returns many of them
// (Linux inflates 256 pages at a time, mostly in runs).
class PageReleaser {
public:
    explicit PageReleaser(GuestMemory& memory)
        : memory_(memory) {}

    // Adds the 4 KiB page at `address`; false (and nothing added) if it is not a page of
    // guest RAM.
    bool add(uint64_t address);
    // Releases the run gathered so far; fails with the first error since the last finish().
    Result<void> finish();
    [[nodiscard]] uint64_t released_bytes() const { return released_; }

private:
    void release_run();

    GuestMemory& memory_;
    uint64_t run_start_ = 0;
    uint64_t run_length_ = 0;
    uint64_t released_ = 0;
    std::optional<Error> error_;
};

} // namespace vireo::virtio::balloon
