#include "bus/bus.h"

#include <mutex>

#include "base/trace.h"

namespace vireo {

Result<void> Bus::insert(std::shared_ptr<BusDevice> device, uint64_t base, uint64_t length) {
    if (length == 0 || base + length < base)
        return make_error("{}: invalid range {:#x}+{:#x} for {}", name_, base, length,
                          device->name());
    std::unique_lock lock(mutex_);
    auto next = ranges_.lower_bound(base);
    if (next != ranges_.end() && next->first < base + length)
        return make_error("{}: {} at {:#x}+{:#x} overlaps {}", name_, device->name(), base, length,
                          next->second.device->name());
    if (next != ranges_.begin()) {
        auto previous = std::prev(next);
        if (previous->first + previous->second.length > base)
            return make_error("{}: {} at {:#x}+{:#x} overlaps {}", name_, device->name(), base,
                              length, previous->second.device->name());
    }
    ranges_.emplace(base, Entry{length, std::move(device)});
    return {};
}

bool Bus::remove(uint64_t base) {
    std::unique_lock lock(mutex_);
    return ranges_.erase(base) != 0;
}

std::pair<std::shared_ptr<BusDevice>, uint64_t> Bus::find(uint64_t address, uint64_t size) const {
    std::shared_lock lock(mutex_);
    auto it = ranges_.upper_bound(address);
    if (it == ranges_.begin())
        return {nullptr, 0};
    --it;
    uint64_t const offset = address - it->first;
    if (offset >= it->second.length || size > it->second.length - offset)
        return {nullptr, 0};
    return {it->second.device, offset};
}

bool Bus::read(uint64_t address, std::span<uint8_t> data) const {
    auto [device, offset] = find(address, data.size());
    if (!device) {
        std::memset(data.data(), 0xff, data.size());
        VIREO_TRACE(Bus, "{}: unclaimed read {:#x}/{}", name_, address, data.size());
        return false;
    }
    device->read(offset, data);
    return true;
}

bool Bus::write(uint64_t address, std::span<uint8_t const> data) const {
    auto [device, offset] = find(address, data.size());
    if (!device) {
        VIREO_TRACE(Bus, "{}: unclaimed write {:#x}/{} = {:#x}", name_, address, data.size(),
                    load_le(data));
        return false;
    }
    device->write(offset, data);
    return true;
}

} // namespace vireo
