#include "devices/virtio/vsock/vsock_host.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <string>

#include <sys/epoll.h>
#include <sys/socket.h>

#include "base/trace.h"

namespace vireo::virtio::vsock {

std::optional<uint32_t> parse_connect_line(std::string_view line) {
    constexpr std::string_view kVerb = "CONNECT ";
    if (!line.starts_with(kVerb) || line.size() == kVerb.size())
        return std::nullopt;
    auto const digits = line.substr(kVerb.size());
    uint32_t port = 0;
    auto const [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (error != std::errc() || end != digits.data() + digits.size())
        return std::nullopt;
    return port;
}

HostListener::HostListener(UnixListener listener)
    : listener_(std::move(listener)) {}

void HostListener::start(EventLoop* loop, EventLoop::Callback listener_callback,
                         std::function<EventLoop::Callback(uint64_t)> client_callback) {
    loop_ = loop;
    client_callback_ = std::move(client_callback);
    listener_watch_ = SocketWatch(loop, listener_.fd(), std::move(listener_callback));
    listener_watch_.set(EPOLLIN);
}

void HostListener::on_listener() {
    for (;;) {
        UniqueFd client = listener_.accept();
        if (!client.valid())
            return;
        if (waiting_.size() >= kMaxWaiting) {
            VIREO_TRACE(Virtio, "vsock: {} clients wait already; one more is closed", kMaxWaiting);
            continue;
        }
        uint64_t const id = next_id_++;
        auto& waiting = waiting_[id];
        waiting.fd = std::move(client);
        waiting.watch = SocketWatch(loop_, waiting.fd.get(), client_callback_(id));
        // Edge-triggered: the line is peeked at, not consumed, until it is complete.
        waiting.watch.set(EPOLLIN | EPOLLRDHUP | EPOLLET);
    }
}

std::optional<HostListener::Request> HostListener::on_client(uint64_t id, uint32_t events) {
    auto it = waiting_.find(id);
    if (it == waiting_.end())
        return std::nullopt;
    std::string line;
    switch (read_line(it->second.fd.get(), line)) {
    case Line::Incomplete:
        // A client that stopped sending halfway will never complete its line.
        if ((events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) == 0)
            return std::nullopt;
        [[fallthrough]];
    case Line::Bad:
        VIREO_TRACE(Virtio, "vsock: host client closed: no 'CONNECT <port>' line");
        waiting_.erase(it);
        return std::nullopt;
    case Line::Complete:
        break;
    }
    auto const port = parse_connect_line(line);
    Request request{std::move(it->second.fd), port.value_or(0)};
    waiting_.erase(it);
    if (!port) {
        VIREO_TRACE(Virtio, "vsock: host client closed: '{}' is not 'CONNECT <port>'", line);
        return std::nullopt;
    }
    return request;
}

// Reads exactly the request line, newline included, so that whatever the client sends after
// it stays in the socket for the guest.
HostListener::Line HostListener::read_line(int fd, std::string& line) {
    char peeked[kMaxLine];
    ssize_t const count = ::recv(fd, peeked, sizeof(peeked), MSG_PEEK | MSG_DONTWAIT);
    if (count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return Line::Incomplete;
    if (count <= 0)
        return Line::Bad; // the client left, or the connection broke
    auto const* newline = std::find(peeked, peeked + count, '\n');
    if (newline == peeked + count)
        return static_cast<size_t>(count) == sizeof(peeked) ? Line::Bad : Line::Incomplete;
    auto const length = static_cast<size_t>(newline - peeked) + 1;
    if (::recv(fd, peeked, length, MSG_DONTWAIT) != static_cast<ssize_t>(length))
        return Line::Bad;
    line.assign(peeked, length - 1);
    return Line::Complete;
}

} // namespace vireo::virtio::vsock
