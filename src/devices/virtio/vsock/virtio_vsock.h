// The virtio socket device (virtio 1.2 5.10): `vireo run --vsock CID,socket=PATH` gives the
// guest the address CID, and connects its stream sockets with host programs through unix
// sockets, in Firecracker's convention:
//   - host to guest: a program connects to PATH and writes "CONNECT <port>\n" (HostListener);
//     once the guest accepts, it reads "OK <host port>\n" and then the stream;
//   - guest to host: a guest connection to CID 2 port P becomes a connection to the unix
//     socket PATH_P, which a host program listens on.
//
// Everything the guest puts in the transmit queue is untrusted: packets from another CID
// are dropped; packets for another CID, of another type, with an unknown operation, or for
// a connection that does not exist are answered with RST; a stream that overruns the credit
// vireo gave is reset. Queues and sockets are served on the VMM's event loop thread.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "devices/virtio/virtio_device.h"
#include "devices/virtio/vsock/vsock_connection.h"
#include "devices/virtio/vsock/vsock_host.h"

namespace vireo {
class EventLoop;
}

namespace vireo::virtio {

class VirtioVsock final : public VirtioDevice, public std::enable_shared_from_this<VirtioVsock> {
public:
    static constexpr uint16_t kQueueSize = 256;
    // The largest payload of one packet, in both directions (Linux's
    // VIRTIO_VSOCK_MAX_PKT_BUF_SIZE); longer ones from the guest are malformed.
    static constexpr uint32_t kMaxPayload = 64 * 1024;
    // Bounds on what a guest can make vireo hold: connections, and packets waiting for
    // receive buffers.
    static constexpr size_t kMaxConnections = 1024;
    static constexpr size_t kMaxControlBacklog = 4096;
    // Host-initiated connections use local ports from here up (as Firecracker does), away
    // from the ports guests listen on.
    static constexpr uint32_t kFirstLocalPort = 1U << 30;

    // Listens at `socket_path`; fails with one line if it is unusable. `loop` serves the
    // queues and sockets; with nullptr nothing does and the caller drives process_queue().
    static Result<std::shared_ptr<VirtioVsock>> create(EventLoop* loop, uint32_t guest_cid,
                                                       std::string const& socket_path);

    DeviceType type() const override { return DeviceType::Vsock; }
    std::string_view name() const override { return "vsock"; }
    uint64_t features() const override { return vsock::kFeatureStream; }
    std::vector<uint16_t> queue_sizes() const override {
        return {kQueueSize, kQueueSize, kQueueSize};
    }
    uint32_t config_size() const override { return vsock::kConfigSize; }
    void read_config(uint32_t offset, std::span<uint8_t> data) override;
    Result<void> activate(Activation const& activation) override;
    void reset() override;

    // Serves queue `index` as a notification would.
    void process_queue(uint16_t index);
    // Drops every connection and tells the driver with VIRTIO_VSOCK_EVENT_TRANSPORT_RESET
    // (virtio 1.2 5.10.6.8), as after a restore: the guest's connections are gone.
    void reset_transport();
    size_t connection_count() const;

private:
    using Connection = vsock::Connection;
    using ConnectionKey = vsock::ConnectionKey;
    using Header = vsock::Header;

    VirtioVsock(EventLoop* loop, uint32_t guest_cid, vsock::HostListener listener);
    void start_listener();
    Virtqueue* queue(uint16_t index) const;
    void on_kick(uint16_t index);
    void drop_connections();

    // The guest's packets (vsock_guest_packets.cpp).
    void serve_transmit();
    void handle_packet(Header const& header, DescriptorChain const& chain);
    void handle_for_connection(Connection& connection, Header const& header,
                               DescriptorChain const& chain);
    void on_request(Header const& header);
    void on_response(Connection& connection);
    void on_data(Connection& connection, Header const& header, DescriptorChain const& chain);
    void reply_rst(Header const& to);

    // Packets to the guest and the host sockets (virtio_vsock.cpp).
    void send_control(Header const& header);
    void fill_receive();
    uint32_t next_data_packet(DescriptorChain const& chain);
    void deliver_event();
    void on_host_request(vsock::HostListener::Request request);
    void on_host_event(ConnectionKey key, uint64_t serial, uint32_t events);
    void host_ended(Connection& connection);
    void flush(Connection& connection);
    void settle(Connection& connection);
    void close(Connection& connection, bool send_rst);
    bool can_read_host(Connection const& connection) const;
    void enqueue_ready(Connection& connection);
    void update_watch(Connection& connection);
    Connection& add_connection(ConnectionKey key, UniqueFd host, Connection::State state);
    Connection* find(ConnectionKey key);
    std::optional<uint32_t> allocate_local_port(uint32_t peer_port);

    EventLoop* loop_;
    uint64_t const guest_cid_;
    vsock::HostListener listener_;
    mutable std::mutex mutex_;
    std::vector<Virtqueue*> queues_; // while active
    std::map<ConnectionKey, std::unique_ptr<Connection>> connections_;
    std::deque<Header> control_out_;       // control packets waiting for receive buffers
    std::deque<ConnectionKey> ready_;      // connections whose host socket has bytes
    std::optional<DescriptorChain> spare_; // a receive buffer taken but not yet filled
    std::vector<uint8_t> scratch_;         // one payload read from a host socket
    bool event_pending_ = false;           // TRANSPORT_RESET not yet delivered
    uint64_t next_serial_ = 0;
    uint32_t next_local_port_ = kFirstLocalPort;
};

} // namespace vireo::virtio
