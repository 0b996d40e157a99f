// MSI-X (PCI Local Bus Specification 3.0 6.8.2): a table of message address/data pairs with
// a mask bit each, a Pending Bit Array, and the Enable and Function Mask bits of the
// capability's Message Control register. A device signals a vector; the table turns it into a
// message to the interrupt controllers, or into a pending bit while the vector is masked, and
// sends the pending message once the guest unmasks it (6.8.3.4).
#pragma once

#include <cstdint>
#include <mutex>
#include <span>
#include <vector>

namespace vireo::pci {

// Where message-signalled interrupts go. The VMM forwards them to the accelerator's interrupt
// controller (InterruptController::signal_msi); tests record them. Called with the table's
// lock held, so an implementation must never call back into the device.
class MsiSink {
public:
    virtual ~MsiSink() = default;
    virtual void signal_msi(uint64_t address, uint32_t data) = 0;
};

// MSI-X Table entries are 16 bytes (PCI Local Bus 3.0 6.8.2.6-6.8.2.9); the Pending Bit Array
// is an array of QWORDs (6.8.2.10). A table has at most 2048 entries (6.8.2.3).
inline constexpr uint64_t kMsixEntrySize = 16;
inline constexpr uint16_t kMsixMaxVectors = 2048;
inline constexpr uint64_t kMsixPbaEntryBits = 64;

class MsixTable {
public:
    // `vector_count` must be 1 to kMsixMaxVectors.
    explicit MsixTable(uint16_t vector_count);

    uint16_t vector_count() const { return static_cast<uint16_t>(entries_.size()); }
    static uint64_t table_bytes(uint16_t vector_count) { return vector_count * kMsixEntrySize; }
    static uint64_t pba_bytes(uint16_t vector_count) {
        return (vector_count + kMsixPbaEntryBits - 1) / kMsixPbaEntryBits * sizeof(uint64_t);
    }

    // Until connected, signalled vectors only become pending.
    void connect(MsiSink* sink);

    // The capability's Message Control bits, after a configuration write changed them.
    void set_control(bool enabled, bool function_masked);
    bool enabled() const;

    // Guest accesses to the table and PBA, at offsets within each structure.
    void read_table(uint64_t offset, std::span<uint8_t> data);
    void write_table(uint64_t offset, std::span<uint8_t const> data);
    void read_pba(uint64_t offset, std::span<uint8_t> data);

    // Device side, any thread: sends vector `vector`'s message, or marks it pending while
    // it is masked. Returns false when MSI-X is disabled: the function uses INTx then.
    bool signal(uint16_t vector);

private:
    struct Entry {
        uint32_t address_low = 0;
        uint32_t address_high = 0;
        uint32_t data = 0;
        uint32_t control = 1; // masked after reset (PCI Local Bus 3.0 6.8.2.9)
    };
    bool masked(uint16_t vector) const;
    void deliver(uint16_t vector);
    void deliver_unmasked_pending();
    void write_dword(uint64_t offset, uint32_t value);

    mutable std::mutex mutex_;
    std::vector<Entry> entries_;
    std::vector<uint64_t> pending_;
    bool enabled_ = false;
    bool function_masked_ = false;
    MsiSink* sink_ = nullptr;
};

} // namespace vireo::pci
