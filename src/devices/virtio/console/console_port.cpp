#include "devices/virtio/console/console_port.h"

#include <cerrno>
#include <vector>

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "base/trace.h"
#include "devices/virtio/virtqueue.h"

namespace vireo::virtio {

namespace {

// sendmsg/recvmsg take at most this many buffers (Linux's UIO_MAXIOV); a longer chain moves
// in several calls.
constexpr size_t kMaxIovecs = 1024;

// The buffers of `segments` from byte `skip` on, as iovecs.
std::vector<iovec> gather(std::span<Segment const> segments, uint64_t skip) {
    std::vector<iovec> iovecs;
    for (auto const& segment : segments) {
        if (iovecs.size() == kMaxIovecs)
            break;
        if (skip >= segment.host.size()) {
            skip -= segment.host.size();
            continue;
        }
        iovecs.push_back({segment.host.data() + skip, segment.host.size() - skip});
        skip = 0;
    }
    return iovecs;
}

ssize_t transfer(int fd, std::vector<iovec>& iovecs, bool send) {
    msghdr message{};
    message.msg_iov = iovecs.data();
    message.msg_iovlen = iovecs.size();
    // MSG_NOSIGNAL: a client that left makes the send fail with EPIPE instead of a signal.
    return send ? ::sendmsg(fd, &message, MSG_DONTWAIT | MSG_NOSIGNAL)
                : ::recvmsg(fd, &message, MSG_DONTWAIT);
}

} // namespace

ConsolePort::ConsolePort(uint32_t id, std::string name, UnixListener listener, Events& events)
    : id_(id)
    , name_(std::move(name))
    , listener_(std::move(listener))
    , events_(events) {}

void ConsolePort::start(EventLoop* loop, EventLoop::Callback listener_callback,
                        EventLoop::Callback client_callback) {
    loop_ = loop;
    client_callback_ = std::move(client_callback);
    listener_watch_ = SocketWatch(loop, listener_.fd(), std::move(listener_callback));
    update_watches();
}

void ConsolePort::attach(Virtqueue* receive, Virtqueue* transmit) {
    receive_buffers_.clear();
    pending_.reset();
    pending_offset_ = 0;
    receive_queue_ = receive;
    transmit_queue_ = transmit;
    if (receive == nullptr && transmit == nullptr)
        guest_open_ = false;
    update_watches();
}

void ConsolePort::set_guest_open(bool open) {
    VIREO_TRACE(Virtio, "console port {} ({}): guest {}", id_, name_, open ? "opened" : "closed");
    guest_open_ = open;
    update_watches();
}

// Takes the receive buffers the driver offers, at most one queue's worth: a driver that
// keeps publishing the same buffers cannot make the device hold more.
void ConsolePort::on_receive_kick() {
    if (receive_queue_ == nullptr)
        return;
    while (receive_buffers_.size() < receive_queue_->size()) {
        auto chain = receive_queue_->pop();
        if (!chain)
            break;
        if (chain->writable_bytes() == 0) {
            receive_queue_->push_used(*chain, 0); // nothing to receive into
            continue;
        }
        receive_buffers_.push_back(std::move(*chain));
    }
    receive_queue_->notify_if_needed();
    receive();
    update_watches();
}

void ConsolePort::on_transmit_kick() {
    transmit();
    update_watches();
}

void ConsolePort::on_listener() {
    accept_client();
    update_watches();
}

void ConsolePort::on_client(uint32_t events) {
    if (!client_.valid())
        return; // a late event for a client that is gone
    if ((events & EPOLLOUT) != 0)
        transmit();
    if ((events & EPOLLIN) != 0)
        receive();
    if ((events & (EPOLLHUP | EPOLLRDHUP | EPOLLERR)) != 0)
        hang_up(events);
    update_watches();
}

void ConsolePort::accept_client() {
    if (client_.valid())
        return;
    client_ = listener_.accept();
    if (!client_.valid())
        return; // the client gave up already
    client_shut_ = client_gone_ = input_ended_ = false;
    client_watch_ = SocketWatch(loop_, client_.get(), client_callback_);
    VIREO_TRACE(Virtio, "console port {} ({}): host client connected", id_, name_);
    events_.host_connection_changed(*this);
}

void ConsolePort::disconnect() {
    complete_pending();
    if (transmit_queue_ != nullptr)
        transmit_queue_->notify_if_needed();
    client_watch_ = SocketWatch(); // off the loop before the fd closes
    client_.reset();
    VIREO_TRACE(Virtio, "console port {} ({}): host client gone", id_, name_);
    events_.host_connection_changed(*this);
}

// A client that shut its sending side may still read; one that closed is gone, but what it
// sent before closing is still delivered (the connection ends once that is read).
void ConsolePort::hang_up(uint32_t events) {
    client_shut_ = true;
    if ((events & (EPOLLHUP | EPOLLERR)) != 0) {
        client_gone_ = true;
        complete_pending(); // nobody left to take it
    }
    if (unread_bytes(client_.get()) == 0)
        input_ended_ = true;
}

bool ConsolePort::can_receive() const {
    return client_.valid() && !input_ended_ && guest_open_ && receive_queue_ != nullptr &&
           !receive_buffers_.empty();
}

void ConsolePort::receive() {
    bool received = false;
    while (can_receive()) {
        auto& chain = receive_buffers_.front();
        auto iovecs = gather(chain.writable(), 0);
        ssize_t const got = transfer(client_.get(), iovecs, false);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (got <= 0) {
            input_ended_ = true; // end of stream, or the connection broke
            client_gone_ = client_gone_ || got < 0;
            break;
        }
        receive_queue_->push_used(chain, static_cast<uint32_t>(got));
        receive_buffers_.pop_front();
        received = true;
    }
    if (received)
        receive_queue_->notify_if_needed();
}

void ConsolePort::transmit() {
    if (transmit_queue_ == nullptr)
        return;
    bool drained = !pending_ || flush_pending();
    while (drained) {
        auto chain = transmit_queue_->pop();
        if (!chain)
            break;
        pending_ = std::move(*chain);
        pending_offset_ = 0;
        drained = flush_pending();
    }
    transmit_queue_->notify_if_needed();
}

// Writes what is left of the pending chain; true once it is completed.
bool ConsolePort::flush_pending() {
    if (!client_.valid() || client_gone_) {
        VIREO_TRACE(Virtio, "console port {}: {} bytes with no host client, discarded", id_,
                    pending_->readable_bytes());
        complete_pending();
        return true;
    }
    while (pending_offset_ < pending_->readable_bytes()) {
        auto iovecs = gather(pending_->readable(), pending_offset_);
        ssize_t const sent = transfer(client_.get(), iovecs, true);
        if (sent < 0 && errno == EINTR)
            continue;
        if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return false;
        if (sent <= 0) {
            client_gone_ = true; // EPIPE and the like: the client cannot read any more
            break;
        }
        pending_offset_ += static_cast<uint64_t>(sent);
    }
    complete_pending();
    return true;
}

void ConsolePort::complete_pending() {
    if (!pending_)
        return;
    transmit_queue_->push_used(*pending_, 0);
    pending_.reset();
    pending_offset_ = 0;
}

// Ends a connection whose client left once its bytes are read, then watches: level-triggered
// reading while the guest can take bytes and writing while a chain waits;
// otherwise an edge-triggered watch for the client leaving, so that a quiet client costs
// nothing and one that left is still noticed.
void ConsolePort::update_watches() {
    if (client_.valid() && client_gone_ && input_ended_)
        disconnect();
    listener_watch_.set(client_.valid() ? 0U : uint32_t{EPOLLIN});
    if (!client_.valid())
        return;
    uint32_t events = 0;
    if (can_receive())
        events |= EPOLLIN;
    if (pending_ && !client_gone_)
        events |= EPOLLOUT;
    if ((events & EPOLLIN) == 0 && !client_gone_)
        events |= EPOLLRDHUP | EPOLLET;
    client_watch_.set(events);
}

} // namespace vireo::virtio
