// PCI bus 0 of vireo's host bridge: up to 32 single-function devices. Configuration accesses
// from both mechanisms (ports 0xCF8/0xCFC and ECAM) arrive here by bus/device/function and
// are serialized by one lock. After every configuration write the bus makes the MMIO bus
// match what the functions' BARs and Command registers say: a BAR the guest moves, or whose
// decoding it switches off, moves or leaves the MMIO bus.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>

#include "base/result.h"
#include "bus/bus.h"
#include "devices/machine.h"
#include "devices/pci/msix.h"
#include "devices/pci/pci_device.h"

namespace vireo::pci {

// A function's place in configuration space (PCI Local Bus 3.0 3.2.2.3.1).
struct PciAddress {
    uint8_t bus = 0;
    uint8_t device = 0;
    uint8_t function = 0;
};

class PciBus {
public:
    struct Wiring {
        Bus& mmio;
        MsiSink& msi;
        // The interrupt line of a global system interrupt (for INTx).
        std::function<IrqLine*(uint32_t gsi)> gsi_line;
        // Where vireo places BARs at start-up: the host bridge's 32-bit memory window.
        uint64_t window_base = 0;
        uint64_t window_size = 0;
    };

    explicit PciBus(Wiring wiring);
    ~PciBus();
    PciBus(PciBus const&) = delete;
    PciBus& operator=(PciBus const&) = delete;

    // Plugs `device` into `slot`: wires INTA and MSI-X, places its BARs in the window (each
    // naturally aligned), turns memory decoding on and maps them. Fails when the slot is
    // taken or the window is full.
    Result<void> plug(unsigned slot, std::shared_ptr<PciDevice> const& device);
    // The lowest free slot, if any.
    [[nodiscard]] std::optional<unsigned> free_slot() const;

    void config_read(PciAddress address, uint16_t offset, std::span<uint8_t> data);
    void config_write(PciAddress address, uint16_t offset, std::span<uint8_t const> data);

private:
    struct Slot {
        std::shared_ptr<PciDevice> device;
        // Per BAR index: the bus range this slot's BAR occupies now, and the bus device
        // that forwards accesses to the function.
        std::array<std::optional<uint64_t>, kBarCount> mapped;
        std::array<std::shared_ptr<BusDevice>, kBarCount> windows;
    };
    PciDevice* find(PciAddress address);
    Result<void> place_bars(Slot& slot);
    void sync_mappings();
    void unmap_stale(Slot& slot);
    void map_wanted(Slot& slot);

    Wiring wiring_;
    uint64_t next_free_ = 0; // bump allocator within the window
    mutable std::mutex mutex_;
    std::array<Slot, kSlotsPerBus> slots_;
};

} // namespace vireo::pci
