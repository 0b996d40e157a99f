// User-mode networking through libslirp (the stack QEMU's `-netdev user` uses): the guest
// gets a private 10.0.2.0/24 network with a DHCP server, a DNS forwarder and a gateway that
// reaches the host's own network, including its loopback as 10.0.2.2. No privileges are
// needed: connections leave through ordinary host sockets, and host ports can forward into
// the guest.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "net/backend.h"

struct Slirp;

namespace vireo::net {

class SlirpTimers;

// A host port forwarded into the guest (QEMU's hostfwd=).
struct PortForward {
    bool udp = false;
    std::string host_address; // empty: every host address
    uint16_t host_port = 0;
    std::string guest_address; // empty: the guest's DHCP address
    uint16_t guest_port = 0;
};

class SlirpBackend final : public Backend {
public:
    // Fails with one line when a forward's host port cannot be bound.
    static Result<std::unique_ptr<SlirpBackend>> create(std::vector<PortForward> const& forwards);
    ~SlirpBackend() override;
    SlirpBackend(SlirpBackend const&) = delete;
    SlirpBackend& operator=(SlirpBackend const&) = delete;

    [[nodiscard]] std::string_view name() const override { return "user"; }
    // libslirp checks every checksum it receives, so partial ones are completed here; it
    // takes TCP/IPv4 super-packets whole (its IPv4 input has no MTU check), which spares the
    // guest segmenting and slirp acknowledging each segment. Its IPv6 input drops packets
    // over the MTU, so no TSO6.
    [[nodiscard]] HostOffloads host_offloads() const override { return {true, true, false, false}; }
    // 16 KiB: an emulated guest handles 11 times fewer packets than at Ethernet's 1500, and
    // a TCP window still holds four segments. libslirp's TCP negotiates no window scaling,
    // so a guest's window is at most 65535 bytes. At slirp's largest MTU (IF_MTU_MAX, 65521,
    // in its if.h) one segment filled it, and transfers to a busy guest stalled for seconds:
    // a guest that acknowledged before reading left a window just under half the largest,
    // which slirp's sender does not fill (its tcp_output sends a part-segment only into half
    // the largest window, BSD silly-window avoidance) and which Linux does not re-announce
    // on reading (tcp_cleanup_rbuf waits for the window to double); only slirp's 5-second
    // persist timer went on (TCPTV_PERSMIN). With four segments to a window, any window
    // short of one segment doubles when the guest reads.
    static constexpr uint16_t kMtu = 16384;
    [[nodiscard]] uint16_t mtu() const override { return kMtu; }

    void prepare(PollSet& set, int& timeout_ms) override;
    void dispatch(PollSet const& set) override;
    void send(NetHeader const& header, std::span<uint8_t> frame) override;

private:
    SlirpBackend();
    Result<void> add_forward(PortForward const& forward);

    // libslirp's callbacks; `opaque` is the backend.
    static ssize_t send_packet(void const* buffer, size_t length, void* opaque);
    static void guest_error(char const* message, void* opaque);
    static int add_poll(int fd, int events, void* opaque);
    static int get_revents(int index, void* opaque);

    Slirp* slirp_ = nullptr;
    std::unique_ptr<SlirpTimers> timers_;
    PollSet* filling_ = nullptr;      // during prepare()
    PollSet const* polled_ = nullptr; // during dispatch()
};

} // namespace vireo::net
