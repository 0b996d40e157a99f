// Fuzzes virtio-net's transmit path (the virtio-net header and the frame behind it, virtio
// 1.2 5.1.6.2) and the receive placement its frames lead to: a live device on a loopback
// back end, which completes each frame's checksum as libslirp's back end does and echoes
// the frame to the guest, whose receive buffers come from the input too.
//
// Input: feature bits (0 MRG_RXBUF, 1 CSUM, 2 HOST_TSO4, 3 GUEST_CSUM, 4 EVENT_IDX,
// 5 INDIRECT_DESC), log2 of the receive and transmit queue sizes, then rounds of: the queue
// (bit 0: 0 receive, 1 transmit), descriptor table bytes (16-bit length, bytes), buffer area
// bytes (16-bit length, bytes), a count of heads and the heads to publish.
#include <memory>

#include "devices/virtio/net/net_spec.h"
#include "devices/virtio/net/virtio_net.h"
#include "fuzz_input.h"
#include "net/checksum.h"
#include "pci_driver.h"
#include "test_driver.h"

namespace vireo::fuzz {
namespace {

using virtio::test::PciDriver;

constexpr uint64_t kRamBytes = virtio::test::kRamBytes;
constexpr uint64_t kBufferArea = virtio::test::kBufferArea;
constexpr size_t kBufferAreaBytes = 0x10000;
constexpr unsigned kMaxRounds = 64;

// Where each queue's parts lie: receive queue first, transmit queue 0x10000 above it.
struct Rings {
    uint64_t desc, avail, used;
};
constexpr Rings kRings[2] = {{0x10000, 0x18000, 0x1c000}, {0x20000, 0x28000, 0x2c000}};

GuestMemory& memory() {
    static auto const instance = GuestMemory::create(kRamBytes);
    return **instance;
}

// What libslirp's back end does with a guest frame, then the frame back to the guest.
class LoopbackBackend final : public net::Backend {
public:
    explicit LoopbackBackend(bool tso4)
        : tso4_(tso4) {}
    std::string_view name() const override { return "loopback"; }
    net::HostOffloads host_offloads() const override { return {true, true, false, false}; }
    void prepare(net::PollSet&, int&) override {}
    void dispatch(net::PollSet const&) override {}
    void send(net::NetHeader const& header, std::span<uint8_t> frame) override {
        check(frame.size() >= net::kEthernetHeaderSize, "runt frame passed on");
        check(frame.size() <= net::kMaxFrameSize, "oversized frame passed on");
        check(header.gso_kind() == net::kGsoNone || (tso4_ && header.gso_kind() == net::kGsoTcpV4),
              "segmentation type that was not negotiated passed on");
        if (header.needs_checksum())
            check(net::complete_checksum(header, frame).has_value(), "unfinishable checksum");
        net::NetHeader echoed;
        echoed.flags = net::kHeaderDataValid;
        sink()->receive(echoed, frame);
    }

private:
    bool tso4_;
};

uint64_t features_from(uint8_t bits) {
    uint64_t features = virtio::kFeatureVersion1 | virtio::net_spec::kMac;
    constexpr uint64_t kChoices[] = {virtio::net_spec::kMrgRxbuf, virtio::net_spec::kCsum,
                                     virtio::net_spec::kHostTso4, virtio::net_spec::kGuestCsum,
                                     virtio::kFeatureEventIdx,    virtio::kFeatureIndirectDesc};
    for (size_t i = 0; i < std::size(kChoices); ++i)
        features |= (bits >> i & 1) != 0 ? kChoices[i] : 0;
    // HOST_TSO4 needs CSUM (virtio 1.2 5.1.3.1); without it the device refuses FEATURES_OK.
    if ((features & virtio::net_spec::kCsum) == 0)
        features &= ~virtio::net_spec::kHostTso4;
    return features;
}

void copy_in(FuzzInput& input, uint64_t address, size_t limit) {
    auto const bytes = input.bytes(std::min<size_t>(input.u16(), limit));
    check(memory().write(address, bytes).has_value(), "guest RAM write");
}

// The driver's side of publishing `head` (virtio 1.2 2.7.13): ring entry, then idx.
void publish(Rings const& rings, uint16_t size, uint16_t& avail_idx, uint16_t head) {
    (void)memory().write_object<uint16_t>(rings.avail + 4 + 2 * (avail_idx % size), head);
    (void)memory().write_object<uint16_t>(rings.avail + 2, ++avail_idx);
}

} // namespace
} // namespace vireo::fuzz

extern "C" int LLVMFuzzerTestOneInput(uint8_t const* data, size_t size) {
    using namespace vireo;
    using namespace vireo::fuzz;
    check(memory().discard_all().has_value(), "clearing guest RAM");
    FuzzInput input(data, size);
    uint64_t const features = features_from(input.u8());
    uint16_t const sizes[2] = {static_cast<uint16_t>(1U << (input.u8() % 9)),
                               static_cast<uint16_t>(1U << (input.u8() % 9))};

    auto backend = std::make_unique<LoopbackBackend>((features & virtio::net_spec::kHostTso4) != 0);
    auto net = *virtio::VirtioNet::create(std::move(backend), virtio::VirtioNet::default_mac(0),
                                          virtio::VirtioNet::Threading::Manual);
    auto pci = *virtio::VirtioPciDevice::create(net, memory());
    PciDriver driver(*pci);
    check((driver.negotiate(features) & virtio::kStatusFeaturesOk) != 0, "features refused");
    for (uint16_t queue = 0; queue < 2; ++queue)
        driver.setup_queue(queue, sizes[queue], kRings[queue].desc, kRings[queue].avail,
                           kRings[queue].used);
    driver.driver_ok();

    uint16_t avail_idx[2] = {0, 0};
    for (unsigned round = 0; !input.empty() && round < kMaxRounds; ++round) {
        unsigned const queue = input.u8() & 1;
        copy_in(input, kRings[queue].desc, 16 * size_t{sizes[queue]});
        copy_in(input, kBufferArea, kBufferAreaBytes);
        unsigned const heads = input.u8() % (sizes[queue] + 1U);
        for (unsigned i = 0; i < heads; ++i)
            publish(kRings[queue], sizes[queue], avail_idx[queue], input.u16());
        net->process();
    }
    auto const counters = net->counters();
    check(counters.rx_frames <= counters.tx_frames, "more frames received than echoed");
    driver.set_status(0);
    check(driver.status() == 0, "status after a reset is not 0");
    return 0;
}
