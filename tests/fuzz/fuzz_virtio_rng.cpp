// Fuzzes virtio-rng's request handling: a live device whose descriptor table, buffer area
// and available ring entries come from the input, round after round.
//
// Input: log2 of the queue size, a feature byte (bit 0 INDIRECT_DESC, bit 1 EVENT_IDX), then
// rounds of: descriptor table bytes (16-bit length, bytes), buffer area bytes (16-bit
// length, bytes), a count of heads and the heads to publish.
#include <memory>

#include "devices/virtio/rng/virtio_rng.h"
#include "fuzz_input.h"
#include "pci_driver.h"
#include "test_driver.h"

namespace vireo::fuzz {
namespace {

using virtio::test::PciDriver;
using virtio::test::TestDriver;

constexpr uint64_t kRamBytes = virtio::test::kRamBytes;

GuestMemory& memory() {
    static auto const instance = GuestMemory::create(kRamBytes);
    return **instance;
}

// Checks what the device may ask for. The used ring itself proves nothing here: the guest
// may point buffers at its own rings, and the device then rightly writes over them.
Result<void> fixed_source(std::span<uint8_t> out) {
    check(out.size() <= virtio::VirtioRng::kMaxRequestBytes, "oversized request served");
    std::fill(out.begin(), out.end(), 0x3c);
    return {};
}

void copy_in(FuzzInput& input, uint64_t address, size_t limit) {
    auto const bytes = input.bytes(std::min<size_t>(input.u16(), limit));
    check(memory().write(address, bytes).has_value(), "guest RAM write");
}

} // namespace
} // namespace vireo::fuzz

extern "C" int LLVMFuzzerTestOneInput(uint8_t const* data, size_t size) {
    using namespace vireo;
    using namespace vireo::fuzz;
    check(memory().discard_all().has_value(), "clearing guest RAM");
    FuzzInput input(data, size);
    auto const queue_size = static_cast<uint16_t>(1U << (input.u8() % 9));
    uint8_t const feature_bits = input.u8();
    uint64_t features = virtio::kFeatureVersion1;
    if ((feature_bits & 1) != 0)
        features |= virtio::kFeatureIndirectDesc;
    if ((feature_bits & 2) != 0)
        features |= virtio::kFeatureEventIdx;

    auto rng = virtio::VirtioRng::create(nullptr, fixed_source);
    auto pci = *virtio::VirtioPciDevice::create(rng, memory());
    PciDriver driver(*pci);
    check((driver.negotiate(features) & virtio::kStatusFeaturesOk) != 0, "features refused");
    driver.setup_queue(0, queue_size, virtio::test::kDescAddress, virtio::test::kAvailAddress,
                       virtio::test::kUsedAddress);
    driver.driver_ok();
    TestDriver ring(memory(), queue_size);

    for (unsigned round = 0; !input.empty() && round < 64; ++round) {
        copy_in(input, virtio::test::kDescAddress, 16 * size_t{queue_size});
        copy_in(input, virtio::test::kBufferArea, 0x10000);
        unsigned const heads = input.u8() % (queue_size + 1U);
        for (unsigned i = 0; i < heads; ++i)
            ring.make_available(input.u16());
        rng->process();
    }
    driver.set_status(0);
    check(driver.status() == 0, "status after a reset is not 0");
    return 0;
}
