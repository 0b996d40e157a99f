// libslirp's glue with a fake device on the other side: frames in through send(), rounds of
// prepare/poll/dispatch as the NetThread runs them, frames out through the sink.
#include <chrono>

#include <sys/socket.h>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <unistd.h>

#include "base/fd.h"
#include "frames.h"
#include "net/poll_set.h"
#include "net/slirp_backend.h"

namespace vireo::net {
namespace {

using test::Bytes;

constexpr test::Ipv4 kGuestIp = {10, 0, 2, 15};
constexpr test::Ipv4 kGatewayIp = {10, 0, 2, 2};
constexpr size_t kIpv4Offset = 14;
constexpr size_t kUdpOffset = kIpv4Offset + 20;
constexpr size_t kBootpOffset = kUdpOffset + 8;
constexpr size_t kBootpYiaddr = 16;
// How long a test waits to see that nothing comes.
constexpr std::chrono::milliseconds kQuietPeriod(300);

class FakeDevice final : public FrameSink {
public:
    void receive(NetHeader const& header, std::span<uint8_t const> frame) override {
        headers.push_back(header);
        frames.emplace_back(frame.begin(), frame.end());
    }
    bool can_receive() const override { return open; }
    std::vector<NetHeader> headers;
    std::vector<Bytes> frames;
    bool open = true;
};

// Runs NetThread rounds until `done` or `limit` passes.
template <typename Done>
bool run_until(Backend& backend, Done done,
               std::chrono::milliseconds limit = std::chrono::milliseconds(2000)) {
    auto const deadline = std::chrono::steady_clock::now() + limit;
    PollSet set;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        set.clear();
        int timeout_ms = 10;
        backend.prepare(set, timeout_ms);
        ::poll(set.data(), set.size(), std::min(timeout_ms, 10));
        backend.dispatch(set);
    }
    return true;
}

UniqueFd listening_socket(uint32_t address, uint16_t& port) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in where{};
    where.sin_family = AF_INET;
    where.sin_addr.s_addr = htonl(address);
    EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&where), sizeof(where)), 0);
    EXPECT_EQ(::listen(fd.get(), 4), 0);
    socklen_t length = sizeof(where);
    ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&where), &length);
    port = ntohs(where.sin_port);
    return fd;
}

struct Fixture {
    std::unique_ptr<SlirpBackend> backend;
    FakeDevice device;
    explicit Fixture(std::vector<PortForward> const& forwards = {}) {
        auto created = SlirpBackend::create(forwards);
        EXPECT_TRUE(created) << (created ? "" : created.error().message());
        if (created) {
            backend = std::move(*created);
            backend->attach(device);
        }
    }
    void send(Bytes frame, NetHeader header = {}) { backend->send(header, frame); }
};

TEST(SlirpBackend, OffersChecksumAndTcp4SegmentationOnly) {
    Fixture fixture;
    auto const offloads = fixture.backend->host_offloads();
    EXPECT_TRUE(offloads.checksum);
    EXPECT_TRUE(offloads.tcp4);
    EXPECT_FALSE(offloads.tcp6);
}

TEST(SlirpBackend, DhcpOffersTheGuestTenZeroTwoFifteen) {
    Fixture fixture;
    fixture.send(test::dhcp_discover(test::kGuestMac, 0x1234));
    ASSERT_TRUE(run_until(*fixture.backend, [&] { return !fixture.device.frames.empty(); }));
    Bytes const& offer = fixture.device.frames.front();
    ASSERT_GT(offer.size(), kBootpOffset + kBootpYiaddr + 4);
    EXPECT_EQ(test::get16(offer, 12), test::kEtherIpv4);
    EXPECT_EQ(test::get16(offer, kUdpOffset), 67);     // from the DHCP server port
    EXPECT_EQ(test::get16(offer, kUdpOffset + 2), 68); // to the client port
    EXPECT_EQ(Bytes(offer.begin() + kIpv4Offset + 12, offer.begin() + kIpv4Offset + 16),
              Bytes(kGatewayIp.begin(), kGatewayIp.end()));
    auto const yiaddr = offer.begin() + kBootpOffset + kBootpYiaddr;
    EXPECT_EQ(Bytes(yiaddr, yiaddr + 4), Bytes(kGuestIp.begin(), kGuestIp.end()));
    // slirp computed every checksum of its frame.
    EXPECT_EQ(fixture.device.headers.front().flags, kHeaderDataValid);
}

TEST(SlirpBackend, AnswersArpForTheGateway) {
    Fixture fixture;
    fixture.send(test::arp_request(test::kGuestMac, kGuestIp, kGatewayIp));
    ASSERT_TRUE(run_until(*fixture.backend, [&] { return !fixture.device.frames.empty(); }));
    Bytes const& reply = fixture.device.frames.front();
    ASSERT_GE(reply.size(), 14u + 28u);
    EXPECT_EQ(test::get16(reply, 12), test::kEtherArp);
    EXPECT_EQ(test::get16(reply, 14 + 6), 2); // ARP reply (RFC 826)
    EXPECT_EQ(Bytes(reply.begin(), reply.begin() + 6),
              Bytes(test::kGuestMac.begin(), test::kGuestMac.end()));
    EXPECT_EQ(Bytes(reply.begin() + 14 + 14, reply.begin() + 14 + 18),
              Bytes(kGatewayIp.begin(), kGatewayIp.end()));
}

// Linux leaves the TCP checksum to the device with NEEDS_CSUM: slirp checks every checksum,
// so the back end must complete it, or slirp would drop the SYN and never connect.
TEST(SlirpBackend, CompletesPartialChecksumsBeforeSlirpSeesThem) {
    uint16_t port = 0;
    UniqueFd listener = listening_socket(INADDR_LOOPBACK, port);
    Fixture fixture;
    Bytes segment = test::tcp(kGuestIp, kGatewayIp, 40000, port, {}, test::kTcpSyn);
    uint16_t const partial =
        test::pseudo_header_sum(kGuestIp, kGatewayIp, test::kProtoTcp, segment.size());
    segment[16] = static_cast<uint8_t>(partial >> 8);
    segment[17] = static_cast<uint8_t>(partial);
    NetHeader header;
    header.flags = kHeaderNeedsChecksum;
    header.csum_start = 14 + 20;
    header.csum_offset = 16;
    fixture.send(test::ethernet(test::kBroadcast, test::kGuestMac, test::kEtherIpv4,
                                test::ipv4(kGuestIp, kGatewayIp, test::kProtoTcp, segment)),
                 header);
    int accepted = -1;
    ASSERT_TRUE(run_until(*fixture.backend, [&] {
        pollfd ready{listener.get(), POLLIN, 0};
        if (::poll(&ready, 1, 0) == 1)
            accepted = ::accept(listener.get(), nullptr, nullptr);
        return accepted >= 0;
    }));
    ::close(accepted);
}

TEST(SlirpBackend, DropsAFrameWhoseChecksumRequestIsOutOfBounds) {
    Fixture fixture;
    NetHeader header;
    header.flags = kHeaderNeedsChecksum;
    header.csum_start = 1000;
    fixture.send(test::arp_request(test::kGuestMac, kGuestIp, kGatewayIp), header);
    EXPECT_FALSE(run_until(
        *fixture.backend, [&] { return !fixture.device.frames.empty(); }, kQuietPeriod));
}

TEST(SlirpBackend, AHostPortInUseIsAOneLineErrorNamingIt) {
    uint16_t port = 0;
    UniqueFd taken = listening_socket(INADDR_ANY, port);
    auto const created = SlirpBackend::create({{false, "", port, "", 80}});
    ASSERT_FALSE(created);
    std::string const message = created.error().message();
    EXPECT_NE(message.find(std::to_string(port)), std::string::npos) << message;
    EXPECT_NE(message.find("in use"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(SlirpBackend, ABadForwardAddressIsAnError) {
    auto const created = SlirpBackend::create({{false, "not-an-address", 2222, "", 22}});
    ASSERT_FALSE(created);
    EXPECT_NE(created.error().message().find("not-an-address"), std::string::npos);
}

// A host connection to a forwarded port makes slirp reach for the guest: it first asks who
// has 10.0.2.15 (it has not seen the guest yet).
TEST(SlirpBackend, AForwardedHostPortReachesForTheGuest) {
    uint16_t port = 0;
    { UniqueFd probe = listening_socket(INADDR_LOOPBACK, port); }
    Fixture fixture({{false, "127.0.0.1", port, "", 80}});
    ASSERT_TRUE(fixture.backend);
    UniqueFd client(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    sockaddr_in where{};
    where.sin_family = AF_INET;
    where.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    where.sin_port = htons(port);
    ::connect(client.get(), reinterpret_cast<sockaddr*>(&where), sizeof(where));
    ASSERT_TRUE(run_until(*fixture.backend, [&] { return !fixture.device.frames.empty(); }));
    Bytes const& request = fixture.device.frames.front();
    ASSERT_GE(request.size(), 14u + 28u);
    EXPECT_EQ(test::get16(request, 12), test::kEtherArp);
    EXPECT_EQ(Bytes(request.begin() + 14 + 24, request.begin() + 14 + 28),
              Bytes(kGuestIp.begin(), kGuestIp.end()));
}

// While the device has no room, sockets are not read: a forwarded connection waits.
TEST(SlirpBackend, AFullDeviceStopsSocketInput) {
    uint16_t port = 0;
    { UniqueFd probe = listening_socket(INADDR_LOOPBACK, port); }
    Fixture fixture({{false, "127.0.0.1", port, "", 80}});
    ASSERT_TRUE(fixture.backend);
    fixture.device.open = false;
    UniqueFd client(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    sockaddr_in where{};
    where.sin_family = AF_INET;
    where.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    where.sin_port = htons(port);
    ::connect(client.get(), reinterpret_cast<sockaddr*>(&where), sizeof(where));
    EXPECT_FALSE(run_until(
        *fixture.backend, [&] { return !fixture.device.frames.empty(); }, kQuietPeriod));
    fixture.device.open = true;
    EXPECT_TRUE(run_until(*fixture.backend, [&] { return !fixture.device.frames.empty(); }));
}

} // namespace
} // namespace vireo::net
