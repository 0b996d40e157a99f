// Fuzzes virtio-balloon's request handling: a live device, with the features the input
// picks, whose one enabled queue (inflate, deflate, stats or free page reporting, by index)
// gets descriptor tables, buffers and available entries from the input, round after round.
// Page frame numbers and reported ranges point anywhere: those outside guest RAM must be
// refused, those inside are punched out of the memfd.
//
// Input: log2 of the queue size, a feature byte (bit 0 STATS_VQ, bit 1 DEFLATE_ON_OOM,
// bit 2 PAGE_REPORTING), the queue index, then rounds of: descriptor table bytes (16-bit
// length, bytes), buffer area bytes (16-bit length, bytes), a count of heads and the heads to
// publish, a host byte (bit 0: ask for fresh statistics, bit 1: a new target follows as a
// 32-bit page count).
#include <chrono>
#include <memory>

#include "devices/virtio/balloon/virtio_balloon.h"
#include "fuzz_input.h"
#include "pci_driver.h"
#include "test_driver.h"

namespace vireo::fuzz {
namespace {

using virtio::test::PciDriver;
using virtio::test::TestDriver;
namespace balloon = virtio::balloon;

constexpr uint64_t kRamBytes = virtio::test::kRamBytes;
constexpr unsigned kMaxRounds = 64;

GuestMemory& memory() {
    static auto const instance = GuestMemory::create(kRamBytes);
    return **instance;
}

void copy_in(FuzzInput& input, uint64_t address, size_t limit) {
    auto const bytes = input.bytes(std::min<size_t>(input.u16(), limit));
    check(memory().write(address, bytes).has_value(), "guest RAM write");
}

uint64_t features_from(uint8_t bits) {
    uint64_t features = virtio::kFeatureVersion1;
    if ((bits & 1) != 0)
        features |= balloon::kFeatureStatsVq;
    if ((bits & 2) != 0)
        features |= balloon::kFeatureDeflateOnOom;
    if ((bits & 4) != 0)
        features |= balloon::kFeaturePageReporting;
    return features;
}

// What the host side does between the guest's rounds.
void host_turn(FuzzInput& input, virtio::VirtioBalloon& device) {
    uint8_t const action = input.u8();
    if ((action & 1) != 0)
        (void)device.status_with_fresh_stats(std::chrono::milliseconds(0));
    if ((action & 2) != 0)
        device.set_target_pages(input.u32());
}

} // namespace
} // namespace vireo::fuzz

extern "C" int LLVMFuzzerTestOneInput(uint8_t const* data, size_t size) {
    using namespace vireo;
    using namespace vireo::fuzz;
    check(memory().discard_all().has_value(), "clearing guest RAM");
    FuzzInput input(data, size);
    auto const queue_size = static_cast<uint16_t>(1U << (input.u8() % 8));
    uint64_t const features = features_from(input.u8());

    auto device = virtio::VirtioBalloon::create(nullptr);
    auto pci = *virtio::VirtioPciDevice::create(device, memory());
    PciDriver driver(*pci);
    check((driver.negotiate(features) & virtio::kStatusFeaturesOk) != 0, "features refused");
    auto const queue_count = static_cast<uint16_t>(device->queue_sizes().size());
    auto const index = static_cast<uint16_t>(input.u8() % queue_count);
    driver.setup_queue(index, queue_size, virtio::test::kDescAddress, virtio::test::kAvailAddress,
                       virtio::test::kUsedAddress);
    driver.driver_ok();
    TestDriver ring(memory(), queue_size);

    for (unsigned round = 0; !input.empty() && round < kMaxRounds; ++round) {
        copy_in(input, virtio::test::kDescAddress, 16 * size_t{queue_size});
        copy_in(input, virtio::test::kBufferArea, 0x10000);
        unsigned const heads = input.u8() % (queue_size + 1U);
        for (unsigned i = 0; i < heads; ++i)
            ring.make_available(input.u16());
        device->process();
        host_turn(input, *device);
    }
    driver.set_status(0);
    check(driver.status() == 0, "status after a reset is not 0");
    return 0;
}
