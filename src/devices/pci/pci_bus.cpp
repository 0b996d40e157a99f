#include "devices/pci/pci_bus.h"

#include <cstring>

#include "base/trace.h"
#include "devices/pci/slot_irq.h"

namespace vireo::pci {

namespace {

// vireo gives every BAR at least a page, so no two functions share a guest page and a BAR
// can be mapped (or trapped) on its own.
constexpr uint64_t kMinPlacedBarSize = 4096;

// A BAR's range on the MMIO bus: forwards accesses to the function, with offsets relative
// to the BAR's base.
class BarWindow final : public BusDevice {
public:
    BarWindow(std::shared_ptr<PciDevice> device, unsigned index)
        : device_(std::move(device))
        , index_(index) {}

    std::string_view name() const override { return device_->name(); }
    void read(uint64_t offset, std::span<uint8_t> data) override {
        device_->bar_read(index_, offset, data);
    }
    void write(uint64_t offset, std::span<uint8_t const> data) override {
        device_->bar_write(index_, offset, data);
    }

private:
    std::shared_ptr<PciDevice> device_;
    unsigned index_;
};

std::optional<uint64_t> wanted_address(BarState const& bar) {
    return bar.decoding ? std::optional(bar.address) : std::nullopt;
}

} // namespace

PciBus::PciBus(Wiring wiring)
    : wiring_(std::move(wiring))
    , next_free_(wiring_.window_base) {}

PciBus::~PciBus() {
    for (auto& slot : slots_) {
        for (auto const& address : slot.mapped) {
            if (address)
                wiring_.mmio.remove(*address);
        }
    }
}

std::optional<unsigned> PciBus::free_slot() const {
    std::lock_guard lock(mutex_);
    for (unsigned slot = 0; slot < kSlotsPerBus; ++slot) {
        if (!slots_[slot].device)
            return slot;
    }
    return std::nullopt;
}

Result<void> PciBus::plug(unsigned slot_number, std::shared_ptr<PciDevice> const& device) {
    std::lock_guard lock(mutex_);
    if (slot_number >= kSlotsPerBus || slots_[slot_number].device)
        return make_error("PCI: slot {} is not free for {}", slot_number, device->name());
    uint32_t const gsi = intx_gsi(slot_number, 0);
    device->connect(wiring_.gsi_line(gsi), &wiring_.msi, static_cast<uint8_t>(gsi));
    Slot& slot = slots_[slot_number];
    slot.device = device;
    for (auto const& bar : device->bars())
        slot.windows[bar.index] = std::make_shared<BarWindow>(device, bar.index);
    if (auto placed = place_bars(slot); !placed) {
        slot = Slot{};
        return placed;
    }
    device->enable_memory_decoding();
    sync_mappings();
    VIREO_TRACE(Pci, "{} in slot {}, INTA at GSI {}", device->name(), slot_number, gsi);
    return {};
}

// Firmware's job on a real PC. Each BAR is aligned to its size (PCI Local Bus 3.0 6.2.5.1:
// a BAR decodes a naturally aligned range).
Result<void> PciBus::place_bars(Slot& slot) {
    uint64_t const window_end = wiring_.window_base + wiring_.window_size;
    for (auto const& bar : slot.device->bars()) {
        uint64_t const alignment = std::max(bar.size, kMinPlacedBarSize);
        uint64_t const address = (next_free_ + alignment - 1) & ~(alignment - 1);
        if (address < next_free_ || address > window_end || bar.size > window_end - address)
            return make_error("PCI: no room for {}'s {} KiB BAR {} in the MMIO window",
                              slot.device->name(), bar.size / 1024, bar.index);
        slot.device->place_bar(bar.index, address);
        next_free_ = address + alignment;
    }
    return {};
}

PciDevice* PciBus::find(PciAddress address) {
    // vireo has one bus of single-function devices.
    if (address.bus != 0 || address.device >= kSlotsPerBus || address.function != 0)
        return nullptr;
    return slots_[address.device].device.get();
}

void PciBus::config_read(PciAddress address, uint16_t offset, std::span<uint8_t> data) {
    std::lock_guard lock(mutex_);
    PciDevice* device = find(address);
    if (device == nullptr) {
        std::memset(data.data(), 0xff, data.size());
        return;
    }
    device->config_read(offset, data);
}

void PciBus::config_write(PciAddress address, uint16_t offset, std::span<uint8_t const> data) {
    std::lock_guard lock(mutex_);
    PciDevice* device = find(address);
    if (device == nullptr)
        return;
    device->config_write(offset, data);
    sync_mappings();
}

// Two passes over every slot, so that two BARs can trade places: first every range that is
// no longer wanted leaves the bus, then every wanted range is inserted. A range that would
// overlap another device stays unmapped until a later write frees its place.
void PciBus::sync_mappings() {
    for (auto& slot : slots_) {
        if (slot.device)
            unmap_stale(slot);
    }
    for (auto& slot : slots_) {
        if (slot.device)
            map_wanted(slot);
    }
}

void PciBus::unmap_stale(Slot& slot) {
    for (auto const& bar : slot.device->bars()) {
        auto& mapped = slot.mapped[bar.index];
        if (!mapped || mapped == wanted_address(bar))
            continue;
        wiring_.mmio.remove(*mapped);
        VIREO_TRACE(Pci, "{}: BAR {} leaves {:#x}", slot.device->name(), bar.index, *mapped);
        mapped.reset();
        slot.device->bar_moved(bar.index, std::nullopt);
    }
}

void PciBus::map_wanted(Slot& slot) {
    for (auto const& bar : slot.device->bars()) {
        auto& mapped = slot.mapped[bar.index];
        auto const wanted = wanted_address(bar);
        if (!wanted || mapped == wanted)
            continue;
        auto inserted = wiring_.mmio.insert(slot.windows[bar.index], *wanted, bar.size);
        if (!inserted) {
            VIREO_TRACE(Pci, "{}: BAR {} stays unmapped: {}", slot.device->name(), bar.index,
                        inserted.error().message());
            continue;
        }
        VIREO_TRACE(Pci, "{}: BAR {} at {:#x}+{:#x}", slot.device->name(), bar.index, *wanted,
                    bar.size);
        mapped = wanted;
        slot.device->bar_moved(bar.index, mapped);
    }
}

} // namespace vireo::pci
