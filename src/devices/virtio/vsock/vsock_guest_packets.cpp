// The packets the guest sends (virtio 1.2 5.10.6): every one is checked before it touches a
// connection, and a connection moves only as the specification's state machine allows.
#include <array>
#include <string>

#include "base/trace.h"
#include "devices/virtio/console/unix_socket.h"
#include "devices/virtio/vsock/virtio_vsock.h"

namespace vireo::virtio {

using vsock::Connection;
using vsock::kHeaderSize;
using vsock::Op;

void VirtioVsock::serve_transmit() {
    auto* transmit = queue(vsock::kTransmitQueue);
    while (auto chain = transmit->pop()) {
        std::array<uint8_t, kHeaderSize> bytes{};
        size_t const got = chain->read(0, bytes);
        if (auto header = vsock::parse_header(std::span(bytes.data(), got)))
            handle_packet(*header, *chain);
        else
            VIREO_TRACE(Virtio, "vsock: packet of {} bytes is shorter than a header", got);
        transmit->push_used(*chain, 0);
    }
    transmit->notify_if_needed();
}

void VirtioVsock::handle_packet(Header const& header, DescriptorChain const& chain) {
    VIREO_TRACE(Virtio, "vsock: from guest {}", vsock::describe(header));
    // A packet that claims another source is not the guest's to send: dropped unanswered.
    if (header.src_cid != guest_cid_) {
        VIREO_TRACE(Virtio, "vsock: dropped, the guest is CID {}", guest_cid_);
        return;
    }
    if (header.op == Op::Rst && find({header.dst_port, header.src_port}) == nullptr)
        return; // never answer a reset with a reset
    // virtio 1.2 5.10.6.1: only the host is reachable through this device; stream is the
    // only type vireo offers (SEQPACKET is not negotiated).
    if (header.dst_cid != vsock::kHostCid || header.type != vsock::kTypeStream)
        return reply_rst(header);
    if (header.op == Op::Request)
        return on_request(header);
    auto* connection = find({header.dst_port, header.src_port});
    if (connection == nullptr)
        return reply_rst(header);
    connection->take_peer_credit(header);
    handle_for_connection(*connection, header, chain);
}

void VirtioVsock::handle_for_connection(Connection& connection, Header const& header,
                                        DescriptorChain const& chain) {
    switch (header.op) {
    case Op::Response:
        if (connection.state() != Connection::State::Connecting)
            return close(connection, true);
        return on_response(connection);
    case Op::Rst:
        return close(connection, false);
    case Op::Shutdown:
        connection.guest_shutdown |= header.flags & vsock::kShutdownBoth;
        return settle(connection);
    case Op::Rw:
        return on_data(connection, header, chain);
    case Op::CreditUpdate:
        enqueue_ready(connection); // the host may have bytes the guest now has room for
        return settle(connection);
    case Op::CreditRequest:
        send_control(connection.header(Op::CreditUpdate));
        return settle(connection);
    default:
        return close(connection, true); // an unknown operation breaks the protocol
    }
}

// The guest connects to host port P: vireo connects to the unix socket PATH_P, and answers
// RESPONSE if someone listens there, RST if not.
void VirtioVsock::on_request(Header const& header) {
    ConnectionKey const key{header.dst_port, header.src_port};
    if (auto* existing = find(key)) {
        VIREO_TRACE(Virtio, "vsock: second request for host port {} from guest port {}",
                    key.local_port, key.peer_port);
        return close(*existing, true);
    }
    if (connections_.size() >= kMaxConnections)
        return reply_rst(header);
    auto const path = listener_.path() + "_" + std::to_string(header.dst_port);
    auto host = connect_unix(path);
    if (!host) {
        VIREO_TRACE(Virtio, "vsock: guest connection refused: {}", host.error().message());
        return reply_rst(header);
    }
    auto& connection = add_connection(key, std::move(*host), Connection::State::Established);
    connection.take_peer_credit(header);
    send_control(connection.header(Op::Response));
    update_watch(connection);
}

// The guest accepted a connection the host asked for: the host client hears "OK <port>\n"
// (the host port of the connection), then the stream.
void VirtioVsock::on_response(Connection& connection) {
    connection.set_state(Connection::State::Established);
    connection.reply_to_host(fmt::format("OK {}\n", connection.key().local_port));
    flush(connection);
    enqueue_ready(connection);
    settle(connection);
}

void VirtioVsock::on_data(Connection& connection, Header const& header,
                          DescriptorChain const& chain) {
    if (connection.state() != Connection::State::Established) {
        return close(connection, true);
    }
    // virtio 1.2 5.10.6: len counts the payload after the header; the chain must hold it.
    if (header.len > kMaxPayload || header.len > chain.readable_bytes() - kHeaderSize) {
        VIREO_TRACE(Virtio, "vsock: RW of {} bytes in a chain of {}", header.len,
                    chain.readable_bytes());
        return close(connection, true);
    }
    std::span<uint8_t> payload(scratch_.data(), header.len);
    chain.read(kHeaderSize, payload);
    if (!connection.take_from_guest(payload)) {
        VIREO_TRACE(Virtio, "vsock: guest port {} sent beyond its credit", header.src_port);
        return close(connection, true);
    }
    flush(connection);
    settle(connection);
}

// RST to a packet that has no connection: from the packet's destination back to its source
// (virtio 1.2 5.10.6.4).
void VirtioVsock::reply_rst(Header const& to) {
    Header reset;
    reset.src_cid = vsock::kHostCid;
    reset.dst_cid = guest_cid_;
    reset.src_port = to.dst_port;
    reset.dst_port = to.src_port;
    reset.type = vsock::kTypeStream;
    reset.op = Op::Rst;
    send_control(reset);
}

} // namespace vireo::virtio
