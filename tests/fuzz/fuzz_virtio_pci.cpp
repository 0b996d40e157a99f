// Fuzzes the virtio-pci transport's registers: common configuration writes and reads in any
// width, status changes, queue set-up, notifications, the ISR, the MSI-X table, the PCI
// configuration access window, with a virtio-rng device behind it serving whatever queues result.
//
// Input: a sequence of operations, each an opcode byte and its operands (see `step`).
#include <memory>

#include "devices/virtio/rng/virtio_rng.h"
#include "fuzz_input.h"
#include "pci_driver.h"
#include "test_driver.h"

namespace vireo::fuzz {
namespace {

using virtio::test::PciDriver;
using virtio::test::TestDriver;
namespace common = virtio::pci_layout::common;

constexpr uint64_t kRamBytes = virtio::test::kRamBytes;

GuestMemory& memory() {
    static auto const instance = GuestMemory::create(kRamBytes);
    return **instance;
}

Result<void> fixed_source(std::span<uint8_t> out) {
    std::fill(out.begin(), out.end(), 0xa5);
    return {};
}

struct Device {
    std::shared_ptr<virtio::VirtioRng> rng = virtio::VirtioRng::create(nullptr, fixed_source);
    std::shared_ptr<virtio::VirtioPciDevice> pci = *virtio::VirtioPciDevice::create(rng, memory());
    virtio::test::RecordingMsi msi;
    virtio::test::Line line;
    PciDriver driver{*pci};
    uint16_t queue_size = 8;
    std::unique_ptr<TestDriver> ring = std::make_unique<TestDriver>(memory(), queue_size);

    Device() { pci->connect(&line, &msi, 0); }
};

// The steps Linux takes, with the fuzzer choosing the features and the queue size.
void bring_up(Device& device, FuzzInput& input) {
    uint64_t const features = input.u64() | virtio::kFeatureVersion1;
    device.queue_size = static_cast<uint16_t>(1U << (input.u8() % 9));
    device.ring = std::make_unique<TestDriver>(memory(), device.queue_size);
    device.driver.negotiate(features);
    device.driver.setup_queue(0, device.queue_size, virtio::test::kDescAddress,
                              virtio::test::kAvailAddress, virtio::test::kUsedAddress,
                              input.u8() % 3);
    device.driver.driver_ok();
}

void add_chain(Device& device, FuzzInput& input) {
    std::vector<virtio::test::Buffer> buffers(input.u8() % 4 + 1);
    for (auto& buffer : buffers)
        buffer = {input.u32() % kRamBytes, input.u16(), (input.u8() & 1) != 0};
    auto const first = static_cast<uint16_t>(input.u8() % device.queue_size);
    if (first + buffers.size() <= device.queue_size)
        device.ring->add_chain(buffers, first);
}

void reset(Device& device) {
    device.driver.set_status(0);
    // virtio 1.2 4.1.4.3.1: the reset is complete when status reads 0 again; vireo's is
    // complete when the write returns.
    check(device.driver.status() == 0, "status after a reset is not 0");
}

void step(Device& device, FuzzInput& input) {
    // Operands are read into named values first: the order in which a call's arguments
    // are evaluated is unspecified, and an input must mean the same thing everywhere.
    switch (input.u8() % 12) {
    case 0: {
        uint8_t const offset = input.u8() % 0x40;
        uint64_t const value = input.u64();
        device.driver.write(offset, value, access_width(input.u8()));
        break;
    }
    case 1: {
        uint8_t const offset = input.u8() % 0x40;
        device.driver.read(offset, access_width(input.u8()));
        break;
    }
    case 2:
        bring_up(device, input);
        break;
    case 3:
        device.driver.notify(input.u8() % 2);
        break;
    case 4:
        device.rng->process();
        break;
    case 5:
        if (uint8_t const value = input.u8(); value == 0)
            reset(device);
        else
            device.driver.set_status(value);
        break;
    case 6: { // the driver scribbles on its rings
        uint64_t const address = virtio::test::kDescAddress + input.u16() % 0x10000;
        (void)memory().write_object(address, input.u16());
        break;
    }
    case 7:
        device.driver.isr();
        break;
    case 8: { // anywhere in the BAR: device config, notify, ISR, MSI-X table and PBA
        bool const write = (input.u8() & 1) != 0;
        uint16_t const offset = input.u16() % 0x8000;
        if (write) {
            uint64_t const value = input.u64();
            device.driver.write(offset, value, access_width(input.u8()));
        } else {
            device.driver.read(offset, access_width(input.u8()));
        }
        break;
    }
    case 9: { // configuration space reads: the PCI configuration access window reads the BAR
        uint8_t const offset = input.u8();
        uint8_t bytes[4] = {};
        device.pci->config_read(offset, std::span(bytes, access_width(input.u8() % 3)));
        break;
    }
    case 10: { // configuration space writes: MSI-X control, the window, BARs, Command
        uint8_t const offset = input.u8();
        uint32_t const value = input.u32();
        device.driver.write_config(offset, value, access_width(input.u8() % 3));
        break;
    }
    default:
        add_chain(device, input);
        break;
    }
}

} // namespace
} // namespace vireo::fuzz

extern "C" int LLVMFuzzerTestOneInput(uint8_t const* data, size_t size) {
    using namespace vireo::fuzz;
    check(memory().discard_all().has_value(), "clearing guest RAM");
    FuzzInput input(data, size);
    Device device;
    for (unsigned steps = 0; !input.empty() && steps < 4096; ++steps)
        step(device, input);
    device.rng->process();
    reset(device);
    return 0;
}
