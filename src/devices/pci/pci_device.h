// A PCI function with a type 0 header (PCI Local Bus Specification 3.0 6.1): identity,
// command/status, memory BARs with sizing, a capability list, INTx and MSI-X. Subclasses add
// their capabilities and decode their BARs; the PciBus routes configuration accesses here and
// maps the BARs onto the MMIO bus wherever the guest's programming puts them.
//
// Threads: configuration accesses arrive serialized by the PciBus; BAR accesses arrive on any
// vCPU thread, concurrently with each other and with configuration accesses, and the
// interrupt methods may be called from device worker threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "devices/machine.h"
#include "devices/pci/config_space.h"
#include "devices/pci/msix.h"

namespace vireo::pci {

struct PciIdentity {
    uint16_t vendor_id = 0;
    uint16_t device_id = 0;
    uint8_t revision = 0;
    uint32_t class_code = 0; // base class << 16 | subclass << 8 | programming interface
    uint16_t subsystem_vendor_id = 0;
    uint16_t subsystem_id = 0;
};

enum class BarKind { Memory32, Memory64 };

// Where a BAR is and whether the function decodes it, as its registers say now.
struct BarState {
    unsigned index = 0;
    uint64_t size = 0;
    uint64_t address = 0;
    bool decoding = false; // Command.Memory is set
};

class PciDevice {
public:
    virtual ~PciDevice() = default;
    PciDevice(PciDevice const&) = delete;
    PciDevice& operator=(PciDevice const&) = delete;

    virtual std::string_view name() const = 0;

    // Configuration accesses from the host bridge, at `offset` below kExtendedConfigSpaceSize.
    void config_read(uint16_t offset, std::span<uint8_t> data);
    void config_write(uint16_t offset, std::span<uint8_t const> data);

    // Accesses within BAR `index` (its bus range calls these).
    virtual void bar_read(unsigned index, uint64_t offset, std::span<uint8_t> data);
    virtual void bar_write(unsigned index, uint64_t offset, std::span<uint8_t const> data);

    // The implemented BARs in index order.
    [[nodiscard]] std::vector<BarState> bars() const;
    // Placement by vireo at start-up, as firmware would do it: the BAR's address, and memory
    // decoding on.
    void place_bar(unsigned index, uint64_t address);
    void enable_memory_decoding();
    // The bus moved BAR `index` (or stopped decoding it: nullopt). Devices that registered
    // something at the BAR's address (KVM ioeventfds) follow it here.
    virtual void bar_moved(unsigned index, std::optional<uint64_t> address) {
        (void)index;
        (void)address;
    }

    // Wiring by the bus when the device is plugged in: INTA (nullptr: no INTx pin) and
    // where MSI-X messages go.
    void connect(IrqLine* intx, MsiSink* msi, uint8_t interrupt_line);

protected:
    explicit PciDevice(PciIdentity const& identity);

    ConfigSpace& config() { return config_; }
    // Declares BAR `index` (a 64-bit BAR also takes index + 1); `size` is a power of two, at
    // least kMinMemoryBarSize.
    void add_bar(unsigned index, BarKind kind, uint64_t size);
    // Appends a capability of `length` bytes (header included) to the list; returns its
    // offset. The caller fills in the body. Fails when the list is full.
    std::optional<uint16_t> add_capability(uint8_t id, uint8_t length);
    // Adds the MSI-X capability with its table and PBA at the given offsets of BAR `bar`.
    std::optional<uint16_t> add_msix(uint16_t vectors, unsigned bar, uint32_t table_offset,
                                     uint32_t pba_offset);
    MsixTable* msix() { return msix_.get(); }

    // The function's interrupt request on INTx; delivered unless Command.InterruptDisable is
    // set or MSI-X is enabled (PCI Local Bus 3.0 6.8.2: a function with MSI-X enabled does
    // not use INTx). Any thread.
    void set_intx(bool level);

    // Hooks for device-specific registers in the capabilities: called before a read and
    // after a write of [offset, offset + size), with the bus's configuration lock held.
    virtual void before_config_read(uint16_t offset, size_t size) {
        (void)offset;
        (void)size;
    }
    virtual void after_config_write(uint16_t offset, size_t size) {
        (void)offset;
        (void)size;
    }

private:
    void update_intx();
    void update_msix_control();

    ConfigSpace config_;
    struct Bar {
        BarKind kind = BarKind::Memory32;
        uint64_t size = 0;
    };
    std::array<std::optional<Bar>, kBarCount> bars_;
    uint16_t next_capability_ = kFirstCapabilityOffset;
    uint16_t last_capability_ = 0;
    std::unique_ptr<MsixTable> msix_;
    uint16_t msix_offset_ = 0;

    std::atomic<uint16_t> command_{0}; // a copy of Command for threads outside the bus lock
    std::mutex intx_mutex_;
    IrqLine* intx_ = nullptr;
    bool intx_requested_ = false;
    bool intx_asserted_ = false;
};

} // namespace vireo::pci
