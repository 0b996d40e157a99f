#include <gtest/gtest.h>

#include "base/event_loop.h"
#include "devices/virtio/vsock/virtio_vsock.h"
#include "host_socket.h"
#include "queue_driver.h"

namespace vireo::virtio {
namespace {

using test::wait_for;
using vsock::Header;
using vsock::kHeaderSize;
using vsock::Op;

constexpr uint32_t kGuestCid = 42;
constexpr uint32_t kGuestPort = 1234;
constexpr uint32_t kGuestBufAlloc = 64 * 1024;
constexpr uint32_t kRxBuffer = 4096;

struct Packet {
    Header header;
    std::string payload;
};

// A vsock device driven as Linux's vmw_vsock_virtio_transport drives it: receive buffers of
// a header and 4 KiB, packets sent as header then payload.
class VsockTest : public ::testing::Test {
protected:
    void SetUp() override {
        loop_->start();
        vsock_ = *VirtioVsock::create(loop_.get(), kGuestCid, path_);
        driver_ = std::make_unique<test::QueueDriver>(vsock_, *memory_);
        ASSERT_TRUE(driver_->start(vsock::kFeatureStream, 3));
        for (int i = 0; i < 16; ++i)
            give_receive_buffer();
    }
    void TearDown() override {
        driver_->reset();
        loop_->stop();
    }

    void give_receive_buffer() {
        uint64_t const header = driver_->buffer(kHeaderSize);
        uint64_t const payload = driver_->buffer(kRxBuffer);
        uint16_t const head = driver_->ring(vsock::kReceiveQueue)
                                  .add({{header, kHeaderSize, true}, {payload, kRxBuffer, true}});
        receive_buffers_[head] = {header, payload};
        driver_->notify(vsock::kReceiveQueue);
    }

    Header from_guest(Op op, uint32_t host_port, uint32_t len = 0, uint32_t flags = 0) {
        Header header;
        header.src_cid = kGuestCid;
        header.dst_cid = vsock::kHostCid;
        header.src_port = kGuestPort;
        header.dst_port = host_port;
        header.len = len;
        header.op = op;
        header.flags = flags;
        header.buf_alloc = kGuestBufAlloc;
        header.fwd_cnt = guest_fwd_cnt_;
        return header;
    }
    void send(Header const& header, std::string const& payload = {}) {
        auto const bytes = vsock::encode_header(header);
        std::vector<test::Buf> buffers{
            {driver_->buffer(kHeaderSize, bytes), static_cast<uint32_t>(kHeaderSize), false}};
        if (!payload.empty()) {
            auto const data = test::bytes_of(payload);
            buffers.push_back({driver_->buffer(static_cast<uint32_t>(data.size()), data),
                               static_cast<uint32_t>(data.size()), false});
        }
        driver_->ring(vsock::kTransmitQueue).add(buffers);
        driver_->notify(vsock::kTransmitQueue);
    }

    // The packets the device put in receive buffers since the last call (at least `count`,
    // waiting up to two seconds); each used buffer is given back.
    std::vector<Packet> received(size_t count) {
        std::vector<Packet> out;
        wait_for([&] {
            for (auto [head, length] : driver_->ring(vsock::kReceiveQueue).take_used()) {
                auto const [header_address, payload_address] = receive_buffers_.at(head);
                auto header = vsock::parse_header(driver_->read(header_address, kHeaderSize));
                EXPECT_TRUE(header);
                EXPECT_EQ(length, kHeaderSize + header->len);
                auto bytes = driver_->read(payload_address, header->len);
                out.push_back({*header, std::string(bytes.begin(), bytes.end())});
                guest_fwd_cnt_ += header->len;
                give_receive_buffer();
            }
            return out.size() >= count;
        });
        return out;
    }
    Packet only_packet() {
        auto packets = received(1);
        EXPECT_EQ(packets.size(), 1U);
        return packets.empty() ? Packet{} : packets[0];
    }

    // A guest connection to host port `port`, accepted by a listener at PATH_port.
    UniqueFd connect_guest_to_host(uint32_t port) {
        auto listener = test::listen_at(path_ + "_" + std::to_string(port));
        send(from_guest(Op::Request, port));
        auto response = only_packet();
        EXPECT_EQ(response.header.op, Op::Response);
        EXPECT_EQ(response.header.dst_port, kGuestPort);
        EXPECT_EQ(response.header.src_port, port);
        return test::accept_from(listener.get());
    }

    test::TempDir dir_;
    std::string path_ = dir_.file("v.sock");
    std::unique_ptr<GuestMemory> memory_ = *GuestMemory::create(test::kMemoryBytes);
    std::unique_ptr<EventLoop> loop_ = *EventLoop::create();
    std::shared_ptr<VirtioVsock> vsock_;
    std::unique_ptr<test::QueueDriver> driver_;
    std::map<uint32_t, std::pair<uint64_t, uint64_t>> receive_buffers_;
    uint32_t guest_fwd_cnt_ = 0;
};

TEST_F(VsockTest, ConfigHoldsTheGuestCid) {
    uint8_t config[8] = {};
    vsock_->read_config(0, config);
    uint64_t cid = 0;
    std::memcpy(&cid, config, 8);
    EXPECT_EQ(cid, kGuestCid);
}

TEST_F(VsockTest, GuestConnectsToHostListenerAndBytesFlow) {
    auto host = connect_guest_to_host(5000);
    ASSERT_TRUE(host.valid());
    send(from_guest(Op::Rw, 5000, 5), "hello");
    EXPECT_EQ(test::receive(host.get(), 5), "hello");

    ASSERT_TRUE(test::send_all(host.get(), "world"));
    auto data = only_packet();
    EXPECT_EQ(data.header.op, Op::Rw);
    EXPECT_EQ(data.header.src_cid, vsock::kHostCid);
    EXPECT_EQ(data.header.dst_cid, kGuestCid);
    EXPECT_EQ(data.header.dst_port, kGuestPort);
    EXPECT_EQ(data.payload, "world");
    EXPECT_EQ(data.header.fwd_cnt, 5U); // the host took the guest's five bytes
}

TEST_F(VsockTest, GuestShutdownIsAnsweredWithRstAndEndsTheHostStream) {
    auto host = connect_guest_to_host(5001);
    send(from_guest(Op::Shutdown, 5001, 0, vsock::kShutdownBoth));
    auto reset = only_packet();
    EXPECT_EQ(reset.header.op, Op::Rst);
    EXPECT_TRUE(test::closed_by_peer(host.get()));
    EXPECT_TRUE(wait_for([&] { return vsock_->connection_count() == 0; }));
}

TEST_F(VsockTest, HostClosingIsAShutdownForTheGuest) {
    auto host = connect_guest_to_host(5002);
    host.reset();
    auto shutdown = only_packet();
    EXPECT_EQ(shutdown.header.op, Op::Shutdown);
    EXPECT_EQ(shutdown.header.flags, vsock::kShutdownBoth);
    send(from_guest(Op::Rst, 5002));
    EXPECT_TRUE(wait_for([&] { return vsock_->connection_count() == 0; }));
}

TEST_F(VsockTest, NobodyListeningIsRst) {
    send(from_guest(Op::Request, 6000));
    auto reset = only_packet();
    EXPECT_EQ(reset.header.op, Op::Rst);
    EXPECT_EQ(reset.header.src_port, 6000U);
    EXPECT_EQ(reset.header.dst_port, kGuestPort);
}

TEST_F(VsockTest, HostConnectsWithConnectLine) {
    auto client = test::connect_to(path_);
    ASSERT_TRUE(test::send_all(client.get(), "CONNECT 52\nearly bytes"));
    auto request = only_packet();
    ASSERT_EQ(request.header.op, Op::Request);
    EXPECT_EQ(request.header.dst_port, 52U);
    uint32_t const host_port = request.header.src_port;
    EXPECT_GE(host_port, VirtioVsock::kFirstLocalPort);

    Header response = from_guest(Op::Response, host_port);
    response.src_port = 52;
    send(response);
    std::string const ok = "OK " + std::to_string(host_port) + "\n";
    EXPECT_EQ(test::receive(client.get(), ok.size()), ok);
    auto early = only_packet(); // sent before the guest accepted, delivered after
    EXPECT_EQ(early.header.op, Op::Rw);
    EXPECT_EQ(early.payload, "early bytes");

    Header data = from_guest(Op::Rw, host_port, 4);
    data.src_port = 52;
    send(data, "pong");
    EXPECT_EQ(test::receive(client.get(), 4), "pong");
}

TEST_F(VsockTest, GuestRefusingAHostConnectionClosesIt) {
    auto client = test::connect_to(path_);
    ASSERT_TRUE(test::send_all(client.get(), "CONNECT 53\n"));
    auto request = only_packet();
    Header reset = from_guest(Op::Rst, request.header.src_port);
    reset.src_port = 53;
    send(reset);
    EXPECT_TRUE(test::closed_by_peer(client.get()));
}

TEST_F(VsockTest, BadConnectLineClosesTheClient) {
    auto client = test::connect_to(path_);
    ASSERT_TRUE(test::send_all(client.get(), "HELLO 52\n"));
    EXPECT_TRUE(test::closed_by_peer(client.get()));
    auto endless = test::connect_to(path_);
    ASSERT_TRUE(test::send_all(endless.get(), std::string(100, '7')));
    EXPECT_TRUE(test::closed_by_peer(endless.get()));
}

// The device sends no more than the guest's advertised buffer space, and resumes when the
// guest's forward count moves on.
TEST_F(VsockTest, HostBytesRespectTheGuestCredit) {
    auto listener = test::listen_at(path_ + "_7000");
    Header request = from_guest(Op::Request, 7000);
    request.buf_alloc = 100;
    send(request);
    ASSERT_EQ(only_packet().header.op, Op::Response);
    auto host = test::accept_from(listener.get());
    ASSERT_TRUE(test::send_all(host.get(), std::string(1000, 'z')));
    auto first = received(1);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto more = received(0);
    size_t delivered = 0;
    for (auto const& packet : first)
        delivered += packet.payload.size();
    for (auto const& packet : more)
        delivered += packet.payload.size();
    EXPECT_EQ(delivered, 100U);

    Header update = from_guest(Op::CreditUpdate, 7000);
    update.buf_alloc = 100;
    update.fwd_cnt = 100;
    send(update);
    auto resumed = only_packet();
    EXPECT_EQ(resumed.payload.size(), 100U);
}

TEST_F(VsockTest, GuestOverrunningItsCreditIsReset) {
    auto host = connect_guest_to_host(5003);
    std::string const chunk(vsock::Connection::kBufferSize / 4, 'q');
    // The host reads nothing: once its socket is full, the device's buffer fills, and the
    // chunks beyond it exceed what the device advertised.
    for (int i = 0; i < 12; ++i)
        send(from_guest(Op::Rw, 5003, static_cast<uint32_t>(chunk.size())), chunk);
    bool reset = false;
    wait_for([&] {
        for (auto const& packet : received(0))
            reset = reset || packet.header.op == Op::Rst;
        return reset;
    });
    EXPECT_TRUE(reset);
}

TEST_F(VsockTest, UntrustedPacketsGetRstOrNothing) {
    send(from_guest(Op::Rw, 9999, 3), "abc"); // no such connection
    EXPECT_EQ(only_packet().header.op, Op::Rst);

    Header other_type = from_guest(Op::Request, 9998);
    other_type.type = vsock::kTypeSeqpacket;
    send(other_type);
    EXPECT_EQ(only_packet().header.op, Op::Rst);

    Header elsewhere = from_guest(Op::Request, 9997);
    elsewhere.dst_cid = 7;
    send(elsewhere);
    EXPECT_EQ(only_packet().header.op, Op::Rst);

    Header spoofed = from_guest(Op::Request, 9996);
    spoofed.src_cid = 3;
    send(spoofed);
    send(from_guest(Op::Rst, 9995)); // RST for nothing: not answered
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_TRUE(received(0).empty());

    auto host = connect_guest_to_host(5004);
    Header lying = from_guest(Op::Rw, 5004, 60000);
    send(lying, "short"); // len claims more than the chain holds
    EXPECT_EQ(only_packet().header.op, Op::Rst);
    EXPECT_TRUE(test::closed_by_peer(host.get()));
    EXPECT_EQ(driver_->status() & kStatusNeedsReset, 0);
}

TEST_F(VsockTest, CreditRequestIsAnswered) {
    auto host = connect_guest_to_host(5005);
    send(from_guest(Op::CreditRequest, 5005));
    auto update = only_packet();
    EXPECT_EQ(update.header.op, Op::CreditUpdate);
    EXPECT_EQ(update.header.buf_alloc, vsock::Connection::kBufferSize);
}

TEST_F(VsockTest, TransportResetDropsConnectionsAndTellsTheDriver) {
    uint64_t const event = driver_->buffer(vsock::kEventSize);
    driver_->ring(vsock::kEventQueue).add({{event, vsock::kEventSize, true}});
    driver_->notify(vsock::kEventQueue);
    auto host = connect_guest_to_host(5006);
    vsock_->reset_transport();
    EXPECT_TRUE(test::closed_by_peer(host.get()));
    ASSERT_TRUE(wait_for([&] { return driver_->ring(vsock::kEventQueue).used_idx() == 1; }));
    EXPECT_EQ(driver_->read(event, 4), (std::vector<uint8_t>{0, 0, 0, 0}));
    EXPECT_EQ(vsock_->connection_count(), 0U);
}

TEST(VsockConnectionTest, CreditWrapsAndRefusesNonsense) {
    vsock::Connection connection({1, 2}, kGuestCid, 0, UniqueFd(),
                                 vsock::Connection::State::Established);
    Header header;
    header.buf_alloc = 1000;
    connection.sent_to_guest(2000);
    connection.take_peer_credit(header);
    EXPECT_EQ(connection.peer_credit(), 0U); // more in flight than the guest has room for

    header.fwd_cnt = 0xfffffff0; // the counters wrap
    connection.sent_to_guest(0xfffffff0 - 2000);
    connection.take_peer_credit(header);
    EXPECT_EQ(connection.peer_credit(), 1000U);
    connection.sent_to_guest(0x20); // tx_cnt wraps past zero
    EXPECT_EQ(connection.peer_credit(), 1000U - 0x20);
}

TEST(VsockConnectionTest, AdvertisedBufferBoundsWhatIsTaken) {
    vsock::Connection connection({1, 2}, kGuestCid, 0, UniqueFd(),
                                 vsock::Connection::State::Established);
    std::vector<uint8_t> half(vsock::Connection::kBufferSize / 2);
    EXPECT_TRUE(connection.take_from_guest(half));
    EXPECT_TRUE(connection.take_from_guest(half));
    EXPECT_FALSE(connection.take_from_guest(std::vector<uint8_t>(1)));
}

TEST(VsockHostTest, ParsesConnectLines) {
    EXPECT_EQ(vsock::parse_connect_line("CONNECT 52"), 52U);
    EXPECT_EQ(vsock::parse_connect_line("CONNECT 4294967295"), 4294967295U);
    EXPECT_FALSE(vsock::parse_connect_line("CONNECT 4294967296"));
    EXPECT_FALSE(vsock::parse_connect_line("CONNECT "));
    EXPECT_FALSE(vsock::parse_connect_line("CONNECT 5x"));
    EXPECT_FALSE(vsock::parse_connect_line("connect 5"));
}

TEST(VsockCreateTest, BusySocketIsOneLine) {
    test::TempDir dir;
    auto listener = test::listen_at(dir.file("busy"));
    auto device = VirtioVsock::create(nullptr, kGuestCid, dir.file("busy"));
    ASSERT_FALSE(device);
    EXPECT_EQ(device.error().message(),
              "--vsock: socket " + dir.file("busy") + " is in use by another process");
}

} // namespace
} // namespace vireo::virtio
