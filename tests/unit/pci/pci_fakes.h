// Stand-ins for PCI tests: a function with a 32-bit and a 64-bit BAR and MSI-X, a recorder
// of MSI messages, and a bus wired to them.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "bus/bus.h"
#include "devices/machine.h"
#include "devices/pci/pci_bus.h"
#include "devices/pci/pci_device.h"

namespace vireo::pci::test {

struct Message {
    uint64_t address;
    uint32_t data;
    bool operator==(Message const&) const = default;
};

// An interrupt line that remembers its level and how often it rose.
class FakeLine final : public IrqLine {
public:
    void set_level(bool value) override {
        if (value && !level)
            ++raised;
        level = value;
    }
    bool level = false;
    unsigned raised = 0;
};

class RecordingMsiSink final : public MsiSink {
public:
    void signal_msi(uint64_t address, uint32_t data) override {
        messages.push_back({address, data});
    }
    std::vector<Message> messages;
};

// BAR 0: 4 KiB of scratch registers, 32-bit. BAR 2: 64-bit, 16 KiB, MSI-X table at 0 and PBA
// at 8 KiB, four vectors.
class TestFunction final : public PciDevice {
public:
    static constexpr uint64_t kBar0Size = 4096;
    static constexpr uint64_t kBar2Size = 16384;
    static constexpr uint32_t kTableOffset = 0;
    static constexpr uint32_t kPbaOffset = 8192;
    static constexpr uint16_t kVectors = 4;

    TestFunction()
        : PciDevice(PciIdentity{.vendor_id = 0x1234,
                                .device_id = 0x5678,
                                .revision = 7,
                                .class_code = kClassOther,
                                .subsystem_vendor_id = 0x1af4,
                                .subsystem_id = 0x1100}) {
        add_bar(0, BarKind::Memory32, kBar0Size);
        add_bar(2, BarKind::Memory64, kBar2Size);
        vendor_capability = *add_capability(kCapabilityVendor, 8);
        msix_capability = *add_msix(kVectors, 2, kTableOffset, kPbaOffset);
    }

    std::string_view name() const override { return "test-function"; }

    void bar_read(unsigned index, uint64_t offset, std::span<uint8_t> data) override {
        if (index == 0) {
            std::memcpy(data.data(), scratch.data() + offset, data.size());
        } else if (offset >= kPbaOffset) {
            msix()->read_pba(offset - kPbaOffset, data);
        } else {
            msix()->read_table(offset - kTableOffset, data);
        }
    }
    void bar_write(unsigned index, uint64_t offset, std::span<uint8_t const> data) override {
        if (index == 0)
            std::memcpy(scratch.data() + offset, data.data(), data.size());
        else if (offset < kPbaOffset)
            msix()->write_table(offset - kTableOffset, data);
    }
    void bar_moved(unsigned index, std::optional<uint64_t> address) override {
        moves.push_back({index, address});
    }

    using PciDevice::msix;
    using PciDevice::set_intx;

    std::array<uint8_t, kBar0Size> scratch{};
    uint16_t vendor_capability = 0;
    uint16_t msix_capability = 0;
    struct Move {
        unsigned index;
        std::optional<uint64_t> address;
    };
    std::vector<Move> moves;
};

inline constexpr uint64_t kWindowBase = 0xc0000000;
inline constexpr uint64_t kWindowSize = 0x80000;

// A bus with a recording MSI sink and one fake line per GSI.
struct TestBus {
    Bus mmio{"test MMIO"};
    RecordingMsiSink msi;
    std::vector<std::unique_ptr<FakeLine>> lines;
    PciBus bus;

    TestBus()
        : bus(PciBus::Wiring{mmio, msi,
                             [this](uint32_t gsi) {
                                 while (lines.size() <= gsi)
                                     lines.push_back(std::make_unique<FakeLine>());
                                 return lines[gsi].get();
                             },
                             kWindowBase, kWindowSize}) {}
};

} // namespace vireo::pci::test
