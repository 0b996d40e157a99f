// An address space of devices: the I/O port bus or the MMIO bus. Lookups are by range;
// ranges never overlap. vCPU threads dispatch concurrently; device ranges can change at run
// time (PCI BAR programming), so the map is guarded by a reader-writer lock.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <span>
#include <string>

#include "base/result.h"
#include "bus/bus_device.h"

namespace vireo {

class Bus {
public:
    explicit Bus(std::string name)
        : name_(std::move(name)) {}

    Result<void> insert(std::shared_ptr<BusDevice> device, uint64_t base, uint64_t length);
    bool remove(uint64_t base);

    // Dispatches an access. Returns false when no device claims the address; reads of
    // unclaimed addresses return all ones.
    bool read(uint64_t address, std::span<uint8_t> data) const;
    bool write(uint64_t address, std::span<uint8_t const> data) const;

    std::string const& name() const { return name_; }

private:
    struct Entry {
        uint64_t length;
        std::shared_ptr<BusDevice> device;
    };
    // The device whose range holds the access, and the offset within that range.
    std::pair<std::shared_ptr<BusDevice>, uint64_t> find(uint64_t address, uint64_t size) const;

    std::string name_;
    mutable std::shared_mutex mutex_;
    std::map<uint64_t, Entry> ranges_;
};

} // namespace vireo
