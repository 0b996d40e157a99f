// Fuzzes virtio-console's multiport control protocol (virtio 1.2 5.3.6.2) and its port
// queues: a live device with two named ports, each listening on a unix socket that no client
// connects to, whose every queue (port 0's, the control queues, the ports') gets chains,
// control messages and payloads from the input.
//
// Input: a feature byte (bit 0 MULTIPORT, bit 1 EVENT_IDX, bit 2 INDIRECT_DESC), then the
// FuzzQueues format (fuzz_queues.h) over the device's eight queues.
#include <cstdlib>
#include <memory>
#include <string>

#include <unistd.h>

#include "devices/virtio/console/console_control.h"
#include "devices/virtio/console/virtio_console.h"
#include "fuzz_input.h"
#include "fuzz_queues.h"
#include "pci_driver.h"

namespace vireo::fuzz {
namespace {

using virtio::test::PciDriver;

constexpr unsigned kMaxRounds = 64;

// A private directory for the ports' sockets, removed when the process exits.
std::string const& socket_dir() {
    static std::string const dir = [] {
        std::string path = "/tmp/vireo-fuzz-console-XXXXXX";
        check(::mkdtemp(path.data()) != nullptr, "mkdtemp");
        static std::string const removed = path;
        std::atexit([] { ::rmdir(removed.c_str()); });
        return path;
    }();
    return dir;
}

uint64_t features_from(uint8_t bits) {
    uint64_t features = virtio::kFeatureVersion1;
    constexpr uint64_t kChoices[] = {virtio::console::kFeatureMultiport, virtio::kFeatureEventIdx,
                                     virtio::kFeatureIndirectDesc};
    for (size_t i = 0; i < std::size(kChoices); ++i)
        features |= (bits >> i & 1) != 0 ? kChoices[i] : 0;
    return features;
}

} // namespace
} // namespace vireo::fuzz

extern "C" int LLVMFuzzerTestOneInput(uint8_t const* data, size_t size) {
    using namespace vireo;
    using namespace vireo::fuzz;
    check(FuzzQueues::memory().discard_all().has_value(), "clearing guest RAM");
    FuzzInput input(data, size);
    uint64_t const features = features_from(input.u8());

    std::vector<virtio::VirtioConsole::PortSpec> const ports = {
        {"org.qemu.guest_agent.0", socket_dir() + "/agent"}, {"fuzz.port", socket_dir() + "/port"}};
    auto console = virtio::VirtioConsole::create(nullptr, ports);
    check(console.has_value(), "creating the device");
    auto pci = *virtio::VirtioPciDevice::create(*console, FuzzQueues::memory());
    PciDriver driver(*pci);
    auto const queue_count = static_cast<uint16_t>((*console)->queue_sizes().size());
    FuzzQueues queues(driver, features, input, queue_count);

    for (unsigned round = 0; !input.empty() && round < kMaxRounds; ++round)
        (*console)->process_queue(queues.round(input));
    // No host client ever connected, whatever the guest said.
    for (uint32_t id = 1; id <= ports.size(); ++id)
        check(!(*console)->port(id)->host_connected(), "a port has a client nobody made");
    check((*console)->port(0) == nullptr && (*console)->port(3) == nullptr, "port ids");
    driver.set_status(0);
    check(driver.status() == 0, "status after a reset is not 0");
    return 0;
}
