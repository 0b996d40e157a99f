#include "devices/virtio/vsock/vsock_connection.h"

#include <cerrno>

#include <sys/socket.h>

namespace vireo::virtio::vsock {

Connection::Connection(ConnectionKey key, uint64_t guest_cid, uint64_t serial, UniqueFd host,
                       State state)
    : key_(key)
    , guest_cid_(guest_cid)
    , serial_(serial)
    , host_(std::move(host))
    , state_(state) {}

Header Connection::header(Op op, uint32_t len, uint32_t flags) {
    Header header;
    header.src_cid = kHostCid;
    header.dst_cid = guest_cid_;
    header.src_port = key_.local_port;
    header.dst_port = key_.peer_port;
    header.len = len;
    header.type = kTypeStream;
    header.op = op;
    header.flags = flags;
    header.buf_alloc = kBufferSize;
    header.fwd_cnt = fwd_cnt_;
    advertised_fwd_cnt_ = fwd_cnt_;
    return header;
}

void Connection::take_peer_credit(Header const& header) {
    peer_buf_alloc_ = header.buf_alloc;
    peer_fwd_cnt_ = header.fwd_cnt;
}

// virtio 1.2 5.10.6.3: the sender may send buf_alloc - (tx_cnt - fwd_cnt) bytes; the
// counters wrap. A guest that claims to have taken more than was sent gets nothing.
uint32_t Connection::peer_credit() const {
    uint32_t const in_flight = tx_cnt_ - peer_fwd_cnt_;
    return in_flight > peer_buf_alloc_ ? 0 : peer_buf_alloc_ - in_flight;
}

bool Connection::take_from_guest(std::span<uint8_t const> bytes) {
    uint32_t const buffered = rx_cnt_ - fwd_cnt_;
    if (bytes.size() > kBufferSize - buffered)
        return false;
    if (to_host_start_ == to_host_.size()) {
        to_host_.clear();
        to_host_start_ = 0;
    }
    to_host_.insert(to_host_.end(), bytes.begin(), bytes.end());
    rx_cnt_ += static_cast<uint32_t>(bytes.size());
    return true;
}

void Connection::reply_to_host(std::string_view text) {
    to_host_.insert(to_host_.begin() + static_cast<ptrdiff_t>(to_host_start_ + own_bytes_),
                    text.begin(), text.end());
    own_bytes_ += text.size();
}

Connection::Flush Connection::flush_to_host() {
    while (!to_host_empty()) {
        ssize_t const sent = ::send(host_.get(), to_host_.data() + to_host_start_,
                                    to_host_.size() - to_host_start_, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR)
            continue;
        if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return Flush::Blocked;
        if (sent <= 0)
            return Flush::HostGone;
        auto const count = static_cast<size_t>(sent);
        size_t const own = std::min(count, own_bytes_);
        own_bytes_ -= own;
        fwd_cnt_ += static_cast<uint32_t>(count - own);
        to_host_start_ += count;
    }
    to_host_.clear();
    to_host_start_ = 0;
    return Flush::Done;
}

bool Connection::credit_update_due() const {
    return fwd_cnt_ != advertised_fwd_cnt_ && rx_cnt_ - advertised_fwd_cnt_ >= kBufferSize / 2;
}

Connection::Read Connection::read_from_host(std::span<uint8_t> out, size_t& got) {
    got = 0;
    size_t const wanted = std::min<size_t>(out.size(), peer_credit());
    if (wanted == 0)
        return Read::WouldBlock;
    for (;;) {
        ssize_t const count = ::recv(host_.get(), out.data(), wanted, MSG_DONTWAIT);
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return Read::WouldBlock;
        if (count <= 0)
            return Read::End;
        got = static_cast<size_t>(count);
        return Read::Data;
    }
}

} // namespace vireo::virtio::vsock
