// Fuzzes PCI configuration space as a guest reaches it: sequences of accesses through ports
// 0xCF8/0xCFC and ECAM, BAR sizing and moves, MSI-X table writes and accesses to wherever
// the BARs are, on a bus with the host bridge and a virtio-rng function.
//
// Input: a sequence of operations, each an opcode byte and its operands (see `step`).
#include <cstring>
#include <memory>
#include <vector>

#include "bus/bus.h"
#include "devices/machine.h"
#include "devices/pci/config_access.h"
#include "devices/pci/host_bridge.h"
#include "devices/pci/pci_bus.h"
#include "devices/virtio/rng/virtio_rng.h"
#include "devices/virtio/virtio_pci.h"
#include "fuzz_input.h"
#include "memory/guest_memory.h"

namespace vireo::fuzz {
namespace {

constexpr uint64_t kRamBytes = 2 * 1024 * 1024;
constexpr uint64_t kWindowBase = 0xc0000000;
constexpr uint64_t kWindowSize = 0x20000000;
constexpr uint64_t kEcamBase = 0xe0000000;
constexpr uint64_t kEcamSize = 0x10000000;
constexpr unsigned kRngSlot = 1;

class NullMsi final : public pci::MsiSink {
public:
    void signal_msi(uint64_t, uint32_t) override { ++messages; }
    unsigned messages = 0;
};

class NullLine final : public IrqLine {
public:
    void set_level(bool) override {}
};

GuestMemory& memory() {
    static auto const instance = GuestMemory::create(kRamBytes);
    return **instance;
}

// A machine's PCI side: a fresh one for every input, so inputs do not depend on each other.
struct Machine {
    Bus pio{"fuzz ports"};
    Bus mmio{"fuzz MMIO"};
    NullMsi msi;
    NullLine line;
    pci::PciBus bus{pci::PciBus::Wiring{mmio, msi, [this](uint32_t) { return &line; }, kWindowBase,
                                        kWindowSize}};
    std::shared_ptr<virtio::VirtioRng> rng = virtio::VirtioRng::create(nullptr);
    std::shared_ptr<virtio::VirtioPciDevice> function;

    Machine() {
        check(bus.plug(0, std::make_shared<pci::HostBridge>()).has_value(), "plug host bridge");
        function = *virtio::VirtioPciDevice::create(rng, memory());
        check(bus.plug(kRngSlot, function).has_value(), "plug virtio-rng");
        check(pio.insert(std::make_shared<pci::ConfigPorts>(bus), pci::kConfigAddressPort,
                         pci::kConfigPortCount)
                  .has_value(),
              "config ports");
        check(mmio.insert(std::make_shared<pci::Ecam>(bus), kEcamBase, kEcamSize).has_value(),
              "ECAM");
    }

    uint64_t bar0() { return function->bars()[0].address; }
};

void access(Bus& bus, uint64_t address, FuzzInput& input, bool write) {
    uint8_t bytes[8] = {};
    std::span<uint8_t> const data(bytes, access_width(input.u8()));
    if (write) {
        uint64_t const value = input.u64();
        std::memcpy(bytes, &value, data.size());
        bus.write(address, data);
    } else {
        bus.read(address, data);
    }
}

// An ECAM offset: mostly the two present functions, sometimes anywhere.
uint64_t ecam_offset(FuzzInput& input) {
    uint16_t const selector = input.u16();
    uint64_t const reg = input.u16() % 4096;
    if ((selector & 0x8000) != 0)
        return (uint64_t{selector} << 12 | reg) % kEcamSize;
    return (uint64_t{selector} % 2) << 15 | reg;
}

// BAR sizing as Linux does it (pci_read_bases): all ones, read back, restore (or not);
// decoding stays as earlier operations left it.
void size_bar(Machine& machine, FuzzInput& input) {
    uint16_t const reg = static_cast<uint16_t>(pci::kBar0 + 4 * (input.u8() % pci::kBarCount));
    pci::PciAddress const rng{0, kRngSlot, 0};
    uint8_t saved[4] = {};
    machine.bus.config_read(rng, reg, saved);
    uint8_t const ones[4] = {0xff, 0xff, 0xff, 0xff};
    machine.bus.config_write(rng, reg, ones);
    uint8_t mask[4] = {};
    machine.bus.config_read(rng, reg, mask);
    if ((input.u8() & 1) != 0)
        machine.bus.config_write(rng, reg, saved);
}

void step(Machine& machine, FuzzInput& input) {
    switch (input.u8() % 10) {
    case 0: {
        // CONFIG_ADDRESS: mostly an enabled access to slot 0 or 1 of bus 0, sometimes raw.
        uint32_t const raw = input.u32();
        uint32_t const address = (raw & 1) != 0 ? raw : 0x80000000 | (raw & 0x08fc);
        uint8_t bytes[4] = {};
        std::memcpy(bytes, &address, sizeof(address));
        machine.pio.write(pci::kConfigAddressPort, bytes);
        break;
    }
    case 1:
        access(machine.pio, pci::kConfigAddressPort + 4 + input.u8() % 4, input, false);
        break;
    case 2:
        access(machine.pio, pci::kConfigAddressPort + 4 + input.u8() % 4, input, true);
        break;
    case 3:
        access(machine.mmio, kEcamBase + ecam_offset(input), input, false);
        break;
    case 4:
        access(machine.mmio, kEcamBase + ecam_offset(input), input, true);
        break;
    case 5: // wherever BAR 0 is now, if anywhere
        access(machine.mmio, machine.bar0() + input.u16(), input, false);
        break;
    case 6:
        access(machine.mmio, machine.bar0() + input.u16(), input, true);
        break;
    case 7:
        size_bar(machine, input);
        break;
    case 8: // an MSI-X table entry dword
        access(machine.mmio, machine.bar0() + 0x4000 + (input.u8() % 8) * 4, input, true);
        break;
    default:
        machine.rng->process();
        break;
    }
}

} // namespace
} // namespace vireo::fuzz

extern "C" int LLVMFuzzerTestOneInput(uint8_t const* data, size_t size) {
    using namespace vireo::fuzz;
    FuzzInput input(data, size);
    Machine machine;
    for (unsigned steps = 0; !input.empty() && steps < 4096; ++steps)
        step(machine, input);
    // Whatever the guest did, absent functions still read as absent.
    uint8_t bytes[4] = {};
    machine.bus.config_read({0, 7, 0}, 0, bytes);
    check(bytes[0] == 0xff && bytes[3] == 0xff, "an absent function answered");
    return 0;
}
