// Fuzzes virtio-balloon's request handling: a live device with the features the input picks,
// whose queues (inflate, deflate, stats, free page reporting) get descriptor tables, buffers
// and available entries from the input, round after round. Page frame numbers and reported
// ranges point anywhere: those outside guest RAM must be refused, those inside are punched
// out of the memfd (the rings included, which is the guest's own mistake).
//
// Input: a feature byte (bit 0 STATS_VQ, bit 1 DEFLATE_ON_OOM, bit 2 PAGE_REPORTING), then
// the FuzzQueues format (fuzz_queues.h) over the device's queues, each round followed by a
// host byte (bit 0: ask for fresh statistics, bit 1: a new target follows as a 32-bit page
// count).
#include <chrono>
#include <memory>

#include "devices/virtio/balloon/virtio_balloon.h"
#include "fuzz_input.h"
#include "fuzz_queues.h"
#include "pci_driver.h"

namespace vireo::fuzz {
namespace {

using virtio::test::PciDriver;
namespace balloon = virtio::balloon;

constexpr unsigned kMaxRounds = 64;

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
    check(FuzzQueues::memory().discard_all().has_value(), "clearing guest RAM");
    FuzzInput input(data, size);
    uint64_t const features = features_from(input.u8());

    auto device = virtio::VirtioBalloon::create(nullptr);
    auto pci = *virtio::VirtioPciDevice::create(device, FuzzQueues::memory());
    PciDriver driver(*pci);
    auto const queue_count = static_cast<uint16_t>(device->queue_sizes().size());
    FuzzQueues queues(driver, features, input, queue_count);

    for (unsigned round = 0; !input.empty() && round < kMaxRounds; ++round) {
        (void)queues.round(input);
        device->process();
        host_turn(input, *device);
    }
    driver.set_status(0);
    check(driver.status() == 0, "status after a reset is not 0");
    return 0;
}
