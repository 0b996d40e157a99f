#include "devices/virtio/vsock/virtio_vsock.h"

#include <cstring>

#include <sys/epoll.h>
#include <sys/socket.h>

#include "base/event_loop.h"
#include "base/trace.h"
#include "devices/virtio/kick_watch.h"

namespace vireo::virtio {

using vsock::Connection;
using vsock::kHeaderSize;
using vsock::Op;

Result<std::shared_ptr<VirtioVsock>> VirtioVsock::create(EventLoop* loop, uint32_t guest_cid,
                                                         std::string const& socket_path) {
    auto listener = TRY(UnixListener::create(socket_path, "--vsock"));
    std::shared_ptr<VirtioVsock> device(
        new VirtioVsock(loop, guest_cid, vsock::HostListener(std::move(listener))));
    device->start_listener();
    return device;
}

VirtioVsock::VirtioVsock(EventLoop* loop, uint32_t guest_cid, vsock::HostListener listener)
    : loop_(loop)
    , guest_cid_(guest_cid)
    , listener_(std::move(listener))
    , scratch_(kMaxPayload) {}

void VirtioVsock::start_listener() {
    std::lock_guard lock(mutex_);
    std::weak_ptr<VirtioVsock> const weak = weak_from_this();
    auto on_client = [weak, this](uint64_t id) {
        return guarded<VirtioVsock>(weak, mutex_, [id](VirtioVsock& self, uint32_t events) {
            if (auto request = self.listener_.on_client(id, events))
                self.on_host_request(std::move(*request));
        });
    };
    listener_.start(
        loop_,
        guarded<VirtioVsock>(weak, mutex_,
                             [](VirtioVsock& self, uint32_t) { self.listener_.on_listener(); }),
        on_client);
}

void VirtioVsock::read_config(uint32_t offset, std::span<uint8_t> data) {
    uint8_t config[vsock::kConfigSize];
    std::memcpy(config, &guest_cid_, sizeof(config)); // le64 guest_cid
    for (size_t i = 0; i < data.size(); ++i)
        data[i] = offset + i < sizeof(config) ? config[offset + i] : 0;
}

Result<void> VirtioVsock::activate(Activation const& activation) {
    std::lock_guard lock(mutex_);
    queues_.assign(activation.queues.begin(), activation.queues.end());
    queues_.resize(queue_sizes().size(), nullptr);
    if (loop_ == nullptr)
        return {};
    std::weak_ptr<VirtioVsock> const weak = weak_from_this();
    auto watched = watch_kicks(*loop_, queues_, [&](uint16_t index) {
        return guarded<VirtioVsock>(weak, mutex_,
                                    [index](VirtioVsock& self, uint32_t) { self.on_kick(index); });
    });
    if (!watched)
        queues_.clear();
    return watched;
}

// The guest's connections end with the driver; so do the host's sockets for them.
void VirtioVsock::reset() {
    std::lock_guard lock(mutex_);
    if (loop_ != nullptr)
        unwatch_kicks(*loop_, queues_);
    queues_.clear();
    drop_connections();
    listener_.drop_waiting();
    event_pending_ = false;
}

void VirtioVsock::drop_connections() {
    connections_.clear();
    control_out_.clear();
    ready_.clear();
    spare_.reset(); // a chain of the old queue, or one the driver gets back with the reset
}

void VirtioVsock::reset_transport() {
    std::lock_guard lock(mutex_);
    if (spare_ && queue(vsock::kReceiveQueue) != nullptr) {
        queue(vsock::kReceiveQueue)->push_used(*spare_, 0);
        queue(vsock::kReceiveQueue)->notify_if_needed();
    }
    drop_connections();
    event_pending_ = true;
    deliver_event();
}

size_t VirtioVsock::connection_count() const {
    std::lock_guard lock(mutex_);
    return connections_.size();
}

void VirtioVsock::process_queue(uint16_t index) {
    std::lock_guard lock(mutex_);
    on_kick(index);
}

Virtqueue* VirtioVsock::queue(uint16_t index) const {
    return index < queues_.size() ? queues_[index] : nullptr;
}

void VirtioVsock::on_kick(uint16_t index) {
    auto* kicked = queue(index);
    if (kicked == nullptr)
        return;
    kicked->consume_kick();
    if (index == vsock::kTransmitQueue)
        serve_transmit();
    else if (index == vsock::kEventQueue)
        deliver_event();
    fill_receive();
}

void VirtioVsock::deliver_event() {
    auto* events = queue(vsock::kEventQueue);
    if (!event_pending_ || events == nullptr)
        return;
    auto chain = events->pop();
    if (!chain)
        return;
    uint32_t const id = vsock::kEventTransportReset;
    uint8_t bytes[vsock::kEventSize];
    std::memcpy(bytes, &id, sizeof(bytes));
    events->push_used(*chain, static_cast<uint32_t>(chain->write(0, bytes)));
    events->notify_if_needed();
    event_pending_ = false;
}

void VirtioVsock::send_control(Header const& header) {
    VIREO_TRACE(Virtio, "vsock: to guest {}", vsock::describe(header));
    if (control_out_.size() >= kMaxControlBacklog) {
        VIREO_TRACE(Virtio, "vsock: guest takes no packets; {} dropped", vsock::op_name(header.op));
        return;
    }
    control_out_.push_back(header);
}

// Control packets first, then the host sockets' bytes, round robin, into the receive
// buffers the driver made available. A buffer taken when nothing turned out to be readable
// is kept for the next packet.
void VirtioVsock::fill_receive() {
    auto* receive = queue(vsock::kReceiveQueue);
    if (receive == nullptr)
        return;
    bool pushed = false;
    while (!control_out_.empty() || !ready_.empty()) {
        if (!spare_)
            spare_ = receive->pop();
        if (!spare_)
            break;
        uint32_t written = 0;
        bool const too_small = spare_->writable_bytes() < kHeaderSize ||
                               (control_out_.empty() && spare_->writable_bytes() == kHeaderSize);
        if (too_small) {
            written = 0; // no packet fits: returned empty, which Linux drops
        } else if (!control_out_.empty()) {
            written =
                static_cast<uint32_t>(spare_->write(0, vsock::encode_header(control_out_.front())));
            control_out_.pop_front();
        } else {
            written = next_data_packet(*spare_);
            if (written == 0)
                continue;
        }
        receive->push_used(*spare_, written);
        spare_.reset();
        pushed = true;
    }
    if (pushed)
        receive->notify_if_needed();
}

uint32_t VirtioVsock::next_data_packet(DescriptorChain const& chain) {
    ConnectionKey const key = ready_.front();
    ready_.pop_front();
    auto* connection = find(key);
    if (connection == nullptr)
        return 0;
    connection->queued = false;
    if (!can_read_host(*connection)) {
        update_watch(*connection);
        return 0;
    }
    size_t const room = std::min<uint64_t>(chain.writable_bytes() - kHeaderSize, kMaxPayload);
    size_t got = 0;
    auto const result = connection->read_from_host(std::span(scratch_.data(), room), got);
    if (result == Connection::Read::Data) {
        auto const header = connection->header(Op::Rw, static_cast<uint32_t>(got));
        chain.write(0, vsock::encode_header(header));
        chain.write(kHeaderSize, std::span(scratch_.data(), got));
        connection->sent_to_guest(static_cast<uint32_t>(got));
        enqueue_ready(*connection); // more may wait: round robin
        return static_cast<uint32_t>(kHeaderSize + got);
    }
    if (result == Connection::Read::End)
        host_ended(*connection);
    settle(*connection);
    return 0;
}

void VirtioVsock::on_host_request(vsock::HostListener::Request request) {
    if (queue(vsock::kReceiveQueue) == nullptr || connections_.size() >= kMaxConnections) {
        VIREO_TRACE(Virtio, "vsock: host connection to port {} refused: no driver or too many",
                    request.port);
        return; // closing the socket tells the client
    }
    auto const local = allocate_local_port(request.port);
    if (!local)
        return;
    auto& connection = add_connection({*local, request.port}, std::move(request.fd),
                                      Connection::State::Connecting);
    send_control(connection.header(Op::Request));
    update_watch(connection);
    fill_receive();
}

std::optional<uint32_t> VirtioVsock::allocate_local_port(uint32_t peer_port) {
    for (size_t tries = 0; tries <= kMaxConnections; ++tries) {
        uint32_t const port = next_local_port_;
        next_local_port_ = next_local_port_ == UINT32_MAX ? kFirstLocalPort : next_local_port_ + 1;
        if (find({port, peer_port}) == nullptr)
            return port;
    }
    return std::nullopt;
}

Connection& VirtioVsock::add_connection(ConnectionKey key, UniqueFd host, Connection::State state) {
    uint64_t const serial = next_serial_++;
    auto connection = std::make_unique<Connection>(key, guest_cid_, serial, std::move(host), state);
    std::weak_ptr<VirtioVsock> const weak = weak_from_this();
    connection->watch = SocketWatch(
        loop_, connection->host_fd(),
        guarded<VirtioVsock>(weak, mutex_, [key, serial](VirtioVsock& self, uint32_t events) {
            self.on_host_event(key, serial, events);
        }));
    VIREO_TRACE(Virtio, "vsock: connection host port {} <-> guest port {}", key.local_port,
                key.peer_port);
    return *(connections_[key] = std::move(connection));
}

Connection* VirtioVsock::find(ConnectionKey key) {
    auto it = connections_.find(key);
    return it == connections_.end() ? nullptr : it->second.get();
}

void VirtioVsock::on_host_event(ConnectionKey key, uint64_t serial, uint32_t events) {
    auto* connection = find(key);
    if (connection == nullptr || connection->serial() != serial)
        return; // a late event for a connection that is gone
    if ((events & EPOLLOUT) != 0)
        flush(*connection);
    if ((events & (EPOLLHUP | EPOLLERR)) != 0)
        connection->host_gone = true;
    if ((events & EPOLLIN) != 0)
        enqueue_ready(*connection);
    // The host stopped sending: what it sent before is read first, and the end of stream
    // with it.
    if ((events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0 && !connection->host_ended &&
        unread_bytes(connection->host_fd()) == 0)
        host_ended(*connection);
    settle(*connection);
    fill_receive();
}

void VirtioVsock::host_ended(Connection& connection) {
    if (connection.state() == Connection::State::Connecting) {
        connection.host_ended = connection.host_gone = true;
        return; // settle() withdraws the request
    }
    uint32_t flags = vsock::kShutdownSend;
    if (connection.host_gone)
        flags |= vsock::kShutdownReceive;
    if (!connection.host_ended || flags == vsock::kShutdownBoth)
        send_control(connection.header(Op::Shutdown, 0, flags));
    connection.host_ended = true;
    if (flags == vsock::kShutdownBoth)
        connection.set_state(Connection::State::Closing);
}

void VirtioVsock::flush(Connection& connection) {
    if (connection.host_gone)
        return;
    if (connection.flush_to_host() == Connection::Flush::HostGone)
        connection.host_gone = true;
    if (connection.credit_update_due())
        send_control(connection.header(Op::CreditUpdate));
}

// Moves a connection on once both sides have said enough: the guest's full SHUTDOWN is
// answered with RST once its bytes reached the host (virtio 1.2 5.10.6.5); a host that left
// is reported; a host that left before the guest answered its request withdraws it.
void VirtioVsock::settle(Connection& connection) {
    if (connection.state() == Connection::State::Connecting && connection.host_gone)
        return close(connection, true);
    bool const flushed = connection.to_host_empty() || connection.host_gone;
    if (connection.guest_shutdown == vsock::kShutdownBoth && flushed)
        return close(connection, true);
    if ((connection.guest_shutdown & vsock::kShutdownSend) != 0 && flushed &&
        !connection.write_shut && !connection.host_gone) {
        ::shutdown(connection.host_fd(), SHUT_WR);
        connection.write_shut = true;
    }
    if (connection.host_gone && connection.host_ended &&
        connection.state() == Connection::State::Established)
        host_ended(connection); // now both directions
    update_watch(connection);
}

void VirtioVsock::close(Connection& connection, bool send_rst) {
    if (send_rst)
        send_control(connection.header(Op::Rst));
    VIREO_TRACE(Virtio, "vsock: connection host port {} <-> guest port {} closed",
                connection.key().local_port, connection.key().peer_port);
    connections_.erase(connection.key()); // the watch leaves the loop before the fd closes
}

bool VirtioVsock::can_read_host(Connection const& connection) const {
    return connection.state() == Connection::State::Established && !connection.host_ended &&
           (connection.guest_shutdown & vsock::kShutdownReceive) == 0 &&
           connection.peer_credit() > 0;
}

void VirtioVsock::enqueue_ready(Connection& connection) {
    if (connection.queued || !can_read_host(connection))
        return;
    connection.queued = true;
    ready_.push_back(connection.key());
}

// Level-triggered reading while the guest has credit and the connection is not already
// waiting for a receive buffer, writing while bytes wait for the host; otherwise an
// edge-triggered watch for the host leaving.
void VirtioVsock::update_watch(Connection& connection) {
    uint32_t events = 0;
    if (can_read_host(connection) && !connection.queued)
        events |= EPOLLIN;
    if (!connection.to_host_empty() && !connection.host_gone)
        events |= EPOLLOUT;
    if ((events & EPOLLIN) == 0 && !connection.host_gone)
        events |= EPOLLRDHUP | EPOLLET;
    connection.watch.set(events);
}

} // namespace vireo::virtio
