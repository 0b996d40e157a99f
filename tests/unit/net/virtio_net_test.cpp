// The virtio-net device between a stand-in driver (queues in a small guest memory) and a
// fake back end: features and configuration, transmit, receive with its bounded backlog,
// reset, and the NetThread serving kicks.
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "devices/virtio/net/net_spec.h"
#include "devices/virtio/net/virtio_net.h"
#include "queue_driver.h"

namespace vireo::virtio {
namespace {

using net::kNetHeaderSize;
using net::NetHeader;
using net::test::Buffer;
using net::test::QueueDriver;

constexpr uint64_t kRxBase = 0x10000;
constexpr uint64_t kTxBase = 0x20000;
constexpr uint64_t kRxBuffers = 0x100000;
constexpr uint64_t kTxData = 0x200000;
constexpr uint16_t kRingSize = 64;

class FakeBackend final : public net::Backend {
public:
    explicit FakeBackend(net::HostOffloads offloads = {})
        : offloads_(offloads) {}
    std::string_view name() const override { return "fake"; }
    net::HostOffloads host_offloads() const override { return offloads_; }
    uint16_t mtu() const override { return mtu_value; }
    void set_guest_offloads(net::GuestOffloads offloads) override {
        guest_csum = offloads.checksum;
    }
    void prepare(net::PollSet&, int&) override {}
    void dispatch(net::PollSet const&) override {}
    void send(NetHeader const& header, std::span<uint8_t> frame) override {
        std::lock_guard lock(mutex);
        headers.push_back(header);
        frames.emplace_back(frame.begin(), frame.end());
    }
    // A frame from the outside world.
    void emit(std::vector<uint8_t> const& frame, NetHeader header = {}) {
        sink()->receive(header, frame);
    }
    bool room() const { return sink()->can_receive(); }

    std::mutex mutex;
    std::vector<NetHeader> headers;
    std::vector<std::vector<uint8_t>> frames;
    bool guest_csum = false;
    uint16_t mtu_value = net::kEthernetMtu;

private:
    net::HostOffloads offloads_;
};

std::vector<uint8_t> frame_numbered(unsigned number, size_t length = 100) {
    std::vector<uint8_t> frame(length, static_cast<uint8_t>(number));
    frame[0] = static_cast<uint8_t>(number >> 8);
    return frame;
}

constexpr uint64_t kNegotiated = kFeatureVersion1 | net_spec::kMrgRxbuf | net_spec::kGuestCsum |
                                 net_spec::kCsum | net_spec::kHostTso4 | net_spec::kMac;

struct NetFixture : ::testing::Test {
    std::unique_ptr<GuestMemory> memory = *GuestMemory::create(net::test::kRamBytes);
    QueueDriver rx{*memory, net_spec::kReceiveQueue, kRingSize, kRxBase};
    QueueDriver tx{*memory, net_spec::kTransmitQueue, kRingSize, kTxBase};
    FakeBackend* backend = nullptr;
    std::shared_ptr<VirtioNet> device;
    unsigned rx_buffers = 0;
    uint64_t tx_offset = 0;

    void make(VirtioNet::Threading threading = VirtioNet::Threading::Manual,
              net::HostOffloads offloads = {true, true, false, false}) {
        auto fake = std::make_unique<FakeBackend>(offloads);
        backend = fake.get();
        device = *VirtioNet::create(std::move(fake), VirtioNet::default_mac(0), threading);
    }
    void activate(uint64_t features = kNegotiated) {
        Virtqueue* queues[] = {&rx.queue(), &tx.queue()};
        ASSERT_TRUE(device->activate({features, queues, memory.get()}));
    }
    uint64_t add_rx_buffer(uint32_t length = 1536) {
        uint64_t const address = kRxBuffers + 0x800 * uint64_t{rx_buffers++};
        rx.add_chain({Buffer{address, length, true}});
        return address;
    }
    void add_tx_frame(NetHeader const& header, std::vector<uint8_t> const& frame) {
        std::vector<uint8_t> bytes(kNetHeaderSize);
        header.serialize(std::span<uint8_t, kNetHeaderSize>(bytes.data(), kNetHeaderSize));
        bytes.insert(bytes.end(), frame.begin(), frame.end());
        uint64_t const address = kTxData + tx_offset;
        tx_offset += 0x1000;
        tx.write(address, bytes);
        tx.add_chain({Buffer{address, static_cast<uint32_t>(bytes.size()), false}});
    }
    NetHeader header_at(uint64_t address) {
        auto const raw = rx.bytes(address, kNetHeaderSize);
        return NetHeader::parse(
            std::span<uint8_t const, kNetHeaderSize>(raw.data(), kNetHeaderSize));
    }
};

TEST_F(NetFixture, OffersOnlyTheOffloadsTheBackEndFinishes) {
    make(VirtioNet::Threading::Manual, {});
    uint64_t const plain = device->features();
    EXPECT_EQ(plain & (net_spec::kMac | net_spec::kStatus | net_spec::kMrgRxbuf),
              net_spec::kMac | net_spec::kStatus | net_spec::kMrgRxbuf);
    EXPECT_EQ(plain & (net_spec::kCsum | net_spec::kHostTso4 | net_spec::kHostTso6), 0u);
    make(VirtioNet::Threading::Manual, {true, true, false, false});
    uint64_t const user = device->features();
    EXPECT_NE(user & net_spec::kCsum, 0u);
    EXPECT_NE(user & net_spec::kHostTso4, 0u);
    EXPECT_EQ(user & (net_spec::kHostTso6 | net_spec::kHostEcn | net_spec::kGuestTso4), 0u);
}

TEST_F(NetFixture, ConfigurationHasTheMacAndLinkUp) {
    make();
    ASSERT_EQ(device->config_size(), 12u);
    uint8_t config[12] = {};
    device->read_config(0, config);
    uint8_t const mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    EXPECT_EQ(0, std::memcmp(config, mac, 6));
    uint8_t status[2] = {};
    device->read_config(6, status);
    EXPECT_EQ(status[0], net_spec::kStatusLinkUp);
    EXPECT_EQ(VirtioNet::default_mac(1)[5], 0x57);
}

// virtio 1.2 5.1.4: mtu, a 16-bit field after mac (6 bytes), status and max_virtqueue_pairs.
TEST_F(NetFixture, OffersTheBackEndsMtu) {
    constexpr uint32_t kMtuOffset = 10;
    make();
    EXPECT_NE(device->features() & net_spec::kMtu, 0u);
    for (uint16_t const mtu : {net::kEthernetMtu, uint16_t{65520}}) {
        backend->mtu_value = mtu;
        uint8_t field[2] = {};
        device->read_config(kMtuOffset, field);
        EXPECT_EQ(field[0] | (field[1] << 8), mtu);
    }
}

TEST_F(NetFixture, RefusesFeaturesWithoutTheirDependencies) {
    make();
    EXPECT_FALSE(device->accept_features(net_spec::kHostTso4));
    EXPECT_TRUE(device->accept_features(net_spec::kHostTso4 | net_spec::kCsum));
    EXPECT_FALSE(device->accept_features(net_spec::kCsum | net_spec::kHostEcn));
}

TEST_F(NetFixture, TransmitsGuestFramesInOrder) {
    make();
    activate();
    for (unsigned i = 0; i < 3; ++i)
        add_tx_frame({}, frame_numbered(i));
    device->process();
    ASSERT_EQ(backend->frames.size(), 3u);
    for (unsigned i = 0; i < 3; ++i)
        EXPECT_EQ(backend->frames[i], frame_numbered(i));
    EXPECT_EQ(tx.used_idx(), 3);
    EXPECT_EQ(tx.used(0).length, 0u);
    EXPECT_FALSE(tx.owner().interrupts.empty());
    EXPECT_EQ(device->counters().tx_frames, 3u);
}

TEST_F(NetFixture, TransmitsMoreThanOneBatch) {
    make();
    activate();
    for (unsigned i = 0; i < VirtioNet::kTransmitBatch + 5; ++i)
        add_tx_frame({}, frame_numbered(i));
    device->process();
    EXPECT_EQ(backend->frames.size(), VirtioNet::kTransmitBatch + 5);
    EXPECT_EQ(backend->frames.back(), frame_numbered(VirtioNet::kTransmitBatch + 4));
}

TEST_F(NetFixture, DropsMalformedTransmitChainsAndGoesOn) {
    make();
    activate();
    NetHeader bad;
    bad.gso_type = net::kGsoUdp;
    add_tx_frame(bad, frame_numbered(1));
    add_tx_frame({}, std::vector<uint8_t>(5));
    add_tx_frame({}, frame_numbered(2));
    device->process();
    ASSERT_EQ(backend->frames.size(), 1u);
    EXPECT_EQ(backend->frames[0], frame_numbered(2));
    EXPECT_EQ(tx.used_idx(), 3); // every chain goes back to the driver
    EXPECT_EQ(device->counters().tx_dropped, 2u);
    EXPECT_FALSE(tx.queue().broken());
}

TEST_F(NetFixture, DeliversBackEndFramesWithTheirHeader) {
    make();
    activate();
    uint64_t const address = add_rx_buffer();
    NetHeader header;
    header.flags = net::kHeaderDataValid;
    backend->emit(frame_numbered(9), header);
    device->process();
    ASSERT_EQ(rx.used_idx(), 1);
    EXPECT_EQ(rx.used(0).length, kNetHeaderSize + 100);
    EXPECT_EQ(header_at(address).num_buffers, 1);
    EXPECT_EQ(header_at(address).flags, net::kHeaderDataValid);
    EXPECT_EQ(rx.bytes(address + kNetHeaderSize, 100), frame_numbered(9));
    EXPECT_FALSE(rx.owner().interrupts.empty());
    EXPECT_TRUE(backend->guest_csum);
}

TEST_F(NetFixture, WithoutGuestChecksumTheFlagsAreZero) {
    make();
    activate(kFeatureVersion1 | net_spec::kMrgRxbuf);
    uint64_t const address = add_rx_buffer();
    NetHeader header;
    header.flags = net::kHeaderDataValid;
    backend->emit(frame_numbered(1), header);
    ASSERT_EQ(rx.used_idx(), 1);
    EXPECT_EQ(header_at(address).flags, 0);
    EXPECT_FALSE(backend->guest_csum);
    // A frame that still needs its checksum cannot go to such a driver.
    header.flags = net::kHeaderNeedsChecksum;
    add_rx_buffer();
    backend->emit(frame_numbered(2), header);
    EXPECT_EQ(rx.used_idx(), 1);
    EXPECT_EQ(device->counters().rx_dropped, 1u);
}

TEST_F(NetFixture, TheBacklogIsBoundedAndDrainsInOrder) {
    make();
    activate();
    for (unsigned i = 0; i < VirtioNet::kBacklogFrames + 10; ++i) {
        if (i == VirtioNet::kBacklogFrames / 2) {
            EXPECT_FALSE(backend->room()); // back ends stop reading at half
        }
        backend->emit(frame_numbered(i));
    }
    EXPECT_EQ(device->counters().rx_dropped, 10u);
    EXPECT_EQ(rx.used_idx(), 0);
    std::vector<uint64_t> buffers;
    for (unsigned i = 0; i < 16; ++i)
        buffers.push_back(add_rx_buffer());
    rx.kick();
    device->process();
    ASSERT_EQ(rx.used_idx(), 16);
    for (unsigned i = 0; i < 16; ++i)
        EXPECT_EQ(rx.bytes(buffers[i] + kNetHeaderSize, 100), frame_numbered(i));
    EXPECT_FALSE(backend->room());
}

TEST_F(NetFixture, NewFramesQueueBehindTheBacklog) {
    make();
    activate();
    backend->emit(frame_numbered(1));
    uint64_t const first = add_rx_buffer();
    uint64_t const second = add_rx_buffer();
    backend->emit(frame_numbered(2));
    ASSERT_EQ(rx.used_idx(), 2);
    EXPECT_EQ(rx.bytes(first + kNetHeaderSize, 100), frame_numbered(1));
    EXPECT_EQ(rx.bytes(second + kNetHeaderSize, 100), frame_numbered(2));
}

TEST_F(NetFixture, FramesBeforeActivationOrAfterResetAreDropped) {
    make();
    backend->emit(frame_numbered(1));
    EXPECT_FALSE(backend->room());
    activate();
    EXPECT_TRUE(backend->room());
    backend->emit(frame_numbered(2)); // no buffers: waits
    device->reset();
    add_rx_buffer();
    add_tx_frame({}, frame_numbered(3));
    device->process();
    EXPECT_EQ(rx.used_idx(), 0);
    EXPECT_EQ(tx.used_idx(), 0);
    EXPECT_TRUE(backend->frames.empty());
    backend->emit(frame_numbered(4));
    EXPECT_EQ(device->counters().rx_dropped, 2u);
}

TEST_F(NetFixture, TheNetThreadServesTransmitKicks) {
    make(VirtioNet::Threading::OwnThread);
    activate();
    add_tx_frame({}, frame_numbered(5));
    tx.kick();
    auto const deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (;;) {
        {
            std::lock_guard lock(backend->mutex);
            if (!backend->frames.empty())
                break;
        }
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the kick was not served";
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::lock_guard lock(backend->mutex);
    EXPECT_EQ(backend->frames[0], frame_numbered(5));
}

} // namespace
} // namespace vireo::virtio
