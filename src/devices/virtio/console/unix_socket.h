// Unix stream sockets for the devices that bridge the guest to host programs: the listening
// socket of a virtio-console port or of the vsock host side, outgoing connections to vsock
// listeners, and the event-loop watch that these devices switch on and off for flow control.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <sys/types.h>

#include "base/event_loop.h"
#include "base/fd.h"
#include "base/result.h"

namespace vireo::virtio {

// A listening socket at a path, removed again when the listener goes away (if the file is
// still the one it created).
class UnixListener {
public:
    // Fails with one line naming `what` (an option, say) if PATH is too long, is something
    // other than a socket, or is in use by a live listener; a stale socket file left by a
    // process that died is replaced.
    static Result<UnixListener> create(std::string const& path, std::string_view what);
    UnixListener(UnixListener&&) noexcept = default;
    UnixListener& operator=(UnixListener&&) noexcept = default;
    ~UnixListener();

    int fd() const { return fd_.get(); }
    std::string const& path() const { return path_; }
    // The next waiting client (nonblocking, close-on-exec), or an invalid fd if none waits.
    UniqueFd accept() const;

private:
    UnixListener(UniqueFd fd, std::string path, dev_t device, ino_t inode);

    UniqueFd fd_;
    std::string path_;
    dev_t device_ = 0;
    ino_t inode_ = 0;
};

// A nonblocking connection to the listener at `path`; fails if nobody listens there.
Result<UniqueFd> connect_unix(std::string const& path);

// Bytes a socket holds that have not been read yet.
size_t unread_bytes(int fd);

// One descriptor on the event loop with a set of epoll events that the owner changes as its
// flow control allows. With no events the descriptor is not watched at all: epoll reports
// hang-ups and errors even when not asked, so a descriptor that must stay quiet is removed.
class SocketWatch {
public:
    SocketWatch() = default;
    // `fd` stays owned by the caller and must outlive the watch; nothing is watched until
    // set(). With a null loop nothing is ever watched.
    SocketWatch(EventLoop* loop, int fd, EventLoop::Callback callback);
    SocketWatch(SocketWatch&& other) noexcept;
    SocketWatch& operator=(SocketWatch&& other) noexcept;
    SocketWatch(SocketWatch const&) = delete;
    SocketWatch& operator=(SocketWatch const&) = delete;
    ~SocketWatch();

    void set(uint32_t events);
    uint32_t events() const { return events_; }

private:
    void clear();

    EventLoop* loop_ = nullptr;
    int fd_ = -1;
    EventLoop::Callback callback_;
    uint32_t events_ = 0;
};

// Wraps loop callbacks for a part of a device (a port, a connection): the callback runs only
// while the device lives, holding it for the call, under the device's mutex.
template <typename Owner>
EventLoop::Callback guarded(std::weak_ptr<Owner> owner, std::mutex& mutex,
                            std::function<void(Owner&, uint32_t)> handler) {
    return [owner = std::move(owner), &mutex, handler = std::move(handler)](uint32_t events) {
        auto const self = owner.lock();
        if (!self)
            return;
        std::lock_guard lock(mutex);
        handler(*self, events);
    };
}

} // namespace vireo::virtio
