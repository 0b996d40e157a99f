// One vsock stream connection between a guest port and a host unix socket: its addresses,
// its state, and the credit-based flow control of both directions (virtio 1.2 5.10.6.3).
//
// Guest to host: the guest may send what vireo advertised (buf_alloc minus what it has sent
// beyond the advertised fwd_cnt); vireo buffers that much and counts fwd_cnt as the host
// socket takes the bytes. Host to guest: vireo reads from the host socket only as much as
// the guest's last advertised credit allows, so nothing is ever dropped.
#pragma once

#include <compare>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "base/fd.h"
#include "devices/virtio/console/unix_socket.h"
#include "devices/virtio/vsock/vsock_packet.h"

namespace vireo::virtio::vsock {

struct ConnectionKey {
    uint32_t local_port = 0; // the host's end
    uint32_t peer_port = 0;  // the guest's end
    auto operator<=>(ConnectionKey const&) const = default;
};

class Connection {
public:
    enum class State {
        Connecting,  // the host asked (REQUEST sent), the guest has not answered
        Established, // bytes flow
        Closing,     // SHUTDOWN of both directions sent: waiting for the guest's RST
    };
    // What vireo buffers for the host per connection, and advertises as buf_alloc (as large
    // as Linux's default vsock buffer).
    static constexpr uint32_t kBufferSize = 256 * 1024;

    Connection(ConnectionKey key, uint64_t guest_cid, uint64_t serial, UniqueFd host, State state);

    ConnectionKey key() const { return key_; }
    uint64_t serial() const { return serial_; }
    State state() const { return state_; }
    void set_state(State state) { state_ = state; }
    int host_fd() const { return host_.get(); }

    // A packet header from the host's end with this connection's credit; the fwd_cnt it
    // carries counts as advertised.
    Header header(Op op, uint32_t len = 0, uint32_t flags = 0);

    // Every guest packet carries its buffer space and forward count (virtio 1.2 5.10.6.3).
    void take_peer_credit(Header const& header);
    // How many bytes the guest can take now.
    uint32_t peer_credit() const;
    void sent_to_guest(uint32_t bytes) { tx_cnt_ += bytes; }

    // Queues guest bytes for the host; false if they exceed what vireo advertised.
    [[nodiscard]] bool take_from_guest(std::span<uint8_t const> bytes);
    // Queues bytes of vireo's own for the host (the handshake's reply), ahead of the guest's.
    void reply_to_host(std::string_view text);
    enum class Flush { Done, Blocked, HostGone };
    Flush flush_to_host();
    bool to_host_empty() const { return to_host_.size() == to_host_start_; }
    // The guest has sent enough since vireo last advertised its fwd_cnt that it may soon run
    // out of credit, and the host has taken some of it.
    bool credit_update_due() const;

    enum class Read { Data, WouldBlock, End };
    // Reads host bytes into `out` (at most the peer's credit); End at end of stream or on a
    // broken connection.
    Read read_from_host(std::span<uint8_t> out, size_t& got);

    // What each side has said. The device acts on these; the connection only keeps them.
    uint32_t guest_shutdown = 0;   // SHUTDOWN flags the guest sent
    bool host_ended = false;       // the host sends nothing more; the guest was told
    bool host_gone = false;        // the host reads nothing more
    bool write_shut = false;       // the host socket's sending side is shut
    bool queued = false;           // in the device's list of connections to read from
    bool credit_requested = false; // CREDIT_REQUEST sent, no credit since
    SocketWatch watch;

private:
    ConnectionKey key_;
    uint64_t guest_cid_;
    uint64_t serial_;
    UniqueFd host_;
    State state_;

    // Guest to host.
    std::vector<uint8_t> to_host_;
    size_t to_host_start_ = 0; // bytes of to_host_ already written
    size_t own_bytes_ = 0;     // bytes at the front that are vireo's, not the guest's
    uint32_t rx_cnt_ = 0;      // guest bytes received
    uint32_t fwd_cnt_ = 0;     // guest bytes the host took
    uint32_t advertised_fwd_cnt_ = 0;

    // Host to guest.
    uint32_t tx_cnt_ = 0;
    uint32_t peer_buf_alloc_ = 0;
    uint32_t peer_fwd_cnt_ = 0;
};

} // namespace vireo::virtio::vsock
