// Guest RAM: one memfd, mapped into vireo in one or two regions (below the 32-bit MMIO hole
// and above 4 GiB). Backing guest memory with a memfd rather than anonymous memory lets later
// features (snapshots, live migration, KSM, balloon page return) work on the file.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "base/fd.h"
#include "base/result.h"

namespace vireo {

struct MemoryRegion {
    uint64_t guest_address;
    uint64_t size;
    uint8_t* host;
    uint64_t file_offset; // offset of this region within the memfd
};

class GuestMemory {
public:
    static Result<std::unique_ptr<GuestMemory>> create(uint64_t ram_bytes);
    ~GuestMemory();
    GuestMemory(GuestMemory const&) = delete;
    GuestMemory& operator=(GuestMemory const&) = delete;

    std::span<MemoryRegion const> regions() const { return regions_; }
    uint64_t ram_size() const { return ram_size_; }
    int memfd() const { return memfd_.get(); }

    // The host address of [address, address + length) if it lies in RAM, else nullptr.
    uint8_t* host_pointer(uint64_t address, uint64_t length) const {
        for (auto const& region : regions_) {
            uint64_t const offset = address - region.guest_address;
            if (address >= region.guest_address && offset < region.size &&
                length <= region.size - offset)
                return region.host + offset;
        }
        return nullptr;
    }

    bool contains(uint64_t address, uint64_t length) const {
        return host_pointer(address, length) != nullptr;
    }

    Result<void> read(uint64_t address, std::span<uint8_t> out) const;
    Result<void> write(uint64_t address, std::span<uint8_t const> data);

    template <typename T>
    Result<T> read_object(uint64_t address) const {
        T value;
        TRY(read(address, std::span(reinterpret_cast<uint8_t*>(&value), sizeof(T))));
        return value;
    }
    template <typename T>
    Result<void> write_object(uint64_t address, T const& value) {
        return write(address, std::span(reinterpret_cast<uint8_t const*>(&value), sizeof(T)));
    }

    // Devices that write guest RAM directly (DMA: virtio buffers, loaders) report the range
    // here afterwards. The emulator registers an observer to drop code it decoded from those
    // pages; with KVM there is none and the call costs one branch. Observers are registered
    // before the VM runs and never removed.
    using WriteObserver = std::function<void(uint64_t address, uint64_t length)>;
    void add_write_observer(WriteObserver observer) { observers_.push_back(std::move(observer)); }
    void notify_written(uint64_t address, uint64_t length) const {
        for (auto const& observer : observers_)
            observer(address, length);
    }

    // Fills the whole of guest RAM with zeroes again, returning the pages to the host
    // (used when the VM restarts).
    Result<void> discard_all();

private:
    GuestMemory(UniqueFd memfd, uint64_t ram_size, std::vector<MemoryRegion> regions);

    UniqueFd memfd_;
    uint64_t ram_size_;
    std::vector<MemoryRegion> regions_;
    std::vector<WriteObserver> observers_;
};

} // namespace vireo
