// The host's way into the guest's vsock ports, in Firecracker's vsock-over-unix-socket
// convention: a host program connects to the device's socket PATH and writes
// "CONNECT <port>\n"; vireo then asks the guest's port for a connection and answers
// "OK <host port>\n" once the guest accepts, or closes the socket if it refuses.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string_view>

#include "devices/virtio/console/unix_socket.h"

namespace vireo::virtio::vsock {

// "CONNECT <port>\n" without the newline; the port is decimal, at most 2^32 - 1.
std::optional<uint32_t> parse_connect_line(std::string_view line);

class HostListener {
public:
    // At most this many clients may be connected that have not said which port yet.
    static constexpr size_t kMaxWaiting = 64;
    // "CONNECT 4294967295\n" has 19 bytes; a longer line is not a request.
    static constexpr size_t kMaxLine = 32;

    explicit HostListener(UnixListener listener);

    // `listener_callback` must call on_listener(); `client_callback(id)` makes the callback
    // for the client `id`, which must call on_client(id).
    void start(EventLoop* loop, EventLoop::Callback listener_callback,
               std::function<EventLoop::Callback(uint64_t)> client_callback);

    void on_listener();
    // A client whose request line is complete leaves the listener with the port it asked for;
    // one that sent something else, or left, is closed.
    struct Request {
        UniqueFd fd;
        uint32_t port = 0;
    };
    std::optional<Request> on_client(uint64_t id, uint32_t events);
    // Closes every client still waiting (the device was reset).
    void drop_waiting() { waiting_.clear(); }
    std::string const& path() const { return listener_.path(); }

private:
    struct Waiting {
        UniqueFd fd;
        SocketWatch watch; // declared after fd: off the loop before the fd closes
    };
    enum class Line { Complete, Incomplete, Bad };
    static Line read_line(int fd, std::string& line);

    UnixListener listener_;
    EventLoop* loop_ = nullptr;
    SocketWatch listener_watch_;
    std::function<EventLoop::Callback(uint64_t)> client_callback_;
    std::map<uint64_t, Waiting> waiting_;
    uint64_t next_id_ = 0;
};

} // namespace vireo::virtio::vsock
