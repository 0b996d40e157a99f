// Fuzzes virtio-vsock's packet handling (virtio 1.2 5.10.6): headers, operations, payload
// lengths and the connection state machine, on a live device whose transmit, receive and
// event queues get chains and packets from the input. Guest REQUESTs to host port
// kServedPort reach a unix socket the harness listens on (and drains after each input), so
// connections open, carry data and close; every other host port refuses.
//
// Input: a byte (bit 0 EVENT_IDX, bit 1 INDIRECT_DESC, bit 2 reset the transport at the
// end), then the FuzzQueues format (fuzz_queues.h) over the device's three queues.
#include <cstdlib>
#include <memory>
#include <string>

#include <sys/socket.h>
#include <sys/un.h>

#include <unistd.h>

#include "devices/virtio/vsock/virtio_vsock.h"
#include "devices/virtio/vsock/vsock_packet.h"
#include "fuzz_input.h"
#include "fuzz_queues.h"
#include "pci_driver.h"

namespace vireo::fuzz {
namespace {

using virtio::test::PciDriver;

constexpr unsigned kMaxRounds = 64;
constexpr uint32_t kGuestCid = 3;
constexpr uint32_t kServedPort = 1024;

// The device's socket path in a private directory, removed when the process exits.
std::string const& socket_path() {
    static std::string const path = [] {
        std::string dir = "/tmp/vireo-fuzz-vsock-XXXXXX";
        check(::mkdtemp(dir.data()) != nullptr, "mkdtemp");
        static std::string const removed = dir;
        std::atexit([] {
            ::unlink((removed + "/vsock_" + std::to_string(kServedPort)).c_str());
            ::rmdir(removed.c_str());
        });
        return dir + "/vsock";
    }();
    return path;
}

// The host program behind port kServedPort: listens, never reads, and drops whatever
// connected once an input is done.
class ServedPort {
public:
    ServedPort() {
        std::string const path = socket_path() + "_" + std::to_string(kServedPort);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        check(path.size() < sizeof(address.sun_path), "socket path length");
        path.copy(address.sun_path, path.size());
        fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        check(fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                  ::listen(fd_, 64) == 0,
              "listening on the served port");
    }
    void drain() const {
        for (int client; (client = ::accept(fd_, nullptr, nullptr)) >= 0;)
            ::close(client);
    }

private:
    int fd_ = -1;
};

uint64_t features_from(uint8_t bits) {
    uint64_t features = virtio::kFeatureVersion1 | virtio::vsock::kFeatureStream;
    features |= (bits & 1) != 0 ? virtio::kFeatureEventIdx : 0;
    features |= (bits & 2) != 0 ? virtio::kFeatureIndirectDesc : 0;
    return features;
}

} // namespace
} // namespace vireo::fuzz

extern "C" int LLVMFuzzerTestOneInput(uint8_t const* data, size_t size) {
    using namespace vireo;
    using namespace vireo::fuzz;
    static ServedPort const served;
    check(FuzzQueues::memory().discard_all().has_value(), "clearing guest RAM");
    FuzzInput input(data, size);
    uint8_t const choices = input.u8();
    uint64_t const features = features_from(choices);

    auto vsock = virtio::VirtioVsock::create(nullptr, kGuestCid, socket_path());
    check(vsock.has_value(), "creating the device");
    auto pci = *virtio::VirtioPciDevice::create(*vsock, FuzzQueues::memory());
    PciDriver driver(*pci);
    FuzzQueues queues(driver, features, input, 3);

    for (unsigned round = 0; !input.empty() && round < kMaxRounds; ++round) {
        (*vsock)->process_queue(queues.round(input));
        check((*vsock)->connection_count() <= virtio::VirtioVsock::kMaxConnections,
              "more connections than the bound");
    }
    if ((choices & 4) != 0) {
        (*vsock)->reset_transport();
        check((*vsock)->connection_count() == 0, "connections outlive a transport reset");
    }
    driver.set_status(0);
    check(driver.status() == 0, "status after a reset is not 0");
    check((*vsock)->connection_count() == 0, "connections outlive a device reset");
    served.drain();
    return 0;
}
