// The host programs of the console and vsock tests: unix socket clients and listeners with
// bounded waits.
#pragma once

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

#include <sys/socket.h>
#include <sys/un.h>

#include <poll.h>
#include <unistd.h>

#include "base/fd.h"

namespace vireo::virtio::test {

inline sockaddr_un unix_address(std::string const& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
    return address;
}

inline UniqueFd connect_to(std::string const& path) {
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    auto const address = unix_address(path);
    if (::connect(fd.get(), reinterpret_cast<sockaddr const*>(&address), sizeof(address)) != 0)
        return UniqueFd();
    return fd;
}

inline UniqueFd listen_at(std::string const& path) {
    ::unlink(path.c_str());
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    auto const address = unix_address(path);
    if (::bind(fd.get(), reinterpret_cast<sockaddr const*>(&address), sizeof(address)) != 0 ||
        ::listen(fd.get(), 4) != 0)
        return UniqueFd();
    return fd;
}

// The next connection within two seconds.
inline UniqueFd accept_from(int listener) {
    pollfd waiting{listener, POLLIN, 0};
    if (::poll(&waiting, 1, 2000) != 1)
        return UniqueFd();
    return UniqueFd(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
}

inline bool send_all(int fd, std::string const& text) {
    return ::send(fd, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size());
}

// Reads until `count` bytes came, the peer closed, or two seconds passed.
inline std::string receive(int fd, size_t count) {
    std::string out;
    auto const deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
        pollfd waiting{fd, POLLIN, 0};
        if (::poll(&waiting, 1, 20) != 1)
            continue;
        char buffer[4096];
        ssize_t const got = ::recv(fd, buffer, std::min(sizeof(buffer), count - out.size()), 0);
        if (got <= 0)
            break;
        out.append(buffer, static_cast<size_t>(got));
    }
    return out;
}

// True if the peer closed within two seconds, with nothing more to read: end of stream, or
// a reset when it closed with bytes of ours unread.
inline bool closed_by_peer(int fd) {
    pollfd waiting{fd, POLLIN, 0};
    if (::poll(&waiting, 1, 2000) != 1)
        return false;
    char byte = 0;
    ssize_t const got = ::recv(fd, &byte, 1, MSG_DONTWAIT);
    return got == 0 || (got < 0 && errno == ECONNRESET);
}

// A fresh directory for sockets, removed with its contents.
class TempDir {
public:
    TempDir() {
        char pattern[] = "/tmp/vireo-ports-XXXXXX";
        path_ = ::mkdtemp(pattern);
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    std::string file(std::string const& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

} // namespace vireo::virtio::test
