#include "chardev/socket_backend.h"

#include <cstring>

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <unistd.h>

#include "base/trace.h"

namespace vireo {

namespace {

constexpr std::chrono::milliseconds kFinalFlushLimit{500};
// Clients beyond the first wait here until it disconnects.
constexpr int kListenBacklog = 4;

Result<sockaddr_un> socket_address(std::string const& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof(address.sun_path))
        return make_error("console socket path '{}' is longer than {} bytes", path,
                          sizeof(address.sun_path) - 1);
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    return address;
}

sockaddr const* as_sockaddr(sockaddr_un const& address) {
    return reinterpret_cast<sockaddr const*>(&address);
}

// A socket file nobody listens on is left over from a process that died without cleaning
// up: connecting to it is refused. Anything else at PATH is not ours to remove.
Result<void> remove_stale_socket(std::string const& path, sockaddr_un const& address) {
    struct stat info {};
    if (lstat(path.c_str(), &info) != 0)
        return {}; // nothing there
    if (!S_ISSOCK(info.st_mode))
        return make_error("console socket path {} exists and is not a socket", path);
    UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!probe.valid())
        return errno_error("console socket");
    if (::connect(probe.get(), as_sockaddr(address), sizeof(address)) == 0)
        return make_error("console socket {} is in use by another process", path);
    if (errno != ECONNREFUSED)
        return errno_error("probing console socket {}", path);
    if (::unlink(path.c_str()) != 0)
        return errno_error("removing stale console socket {}", path);
    return {};
}

} // namespace

Result<std::shared_ptr<SocketBackend>> SocketBackend::create(std::string const& path,
                                                             EventLoop& loop) {
    auto const address = TRY(socket_address(path));
    TRY(remove_stale_socket(path, address));
    UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!listener.valid())
        return errno_error("console socket");
    if (::bind(listener.get(), as_sockaddr(address), sizeof(address)) != 0)
        return errno_error("binding console socket {}", path);
    struct stat info {};
    if (::listen(listener.get(), kListenBacklog) != 0 || ::stat(path.c_str(), &info) != 0) {
        auto error = Error::from_errno("listening on console socket {}", path);
        ::unlink(path.c_str());
        return tl::unexpected(error);
    }
    auto backend = std::shared_ptr<SocketBackend>(
        new SocketBackend(loop, path, std::move(listener), info.st_dev, info.st_ino));
    backend->start();
    return backend;
}

SocketBackend::SocketBackend(EventLoop& loop, std::string path, UniqueFd listener, dev_t device,
                             ino_t inode)
    : InteractiveBackend(loop)
    , path_(std::move(path))
    , listener_(std::move(listener))
    , device_(device)
    , inode_(inode) {}

void SocketBackend::start() {
    auto weak = weak_self<SocketBackend>();
    listener_watch_ = std::make_unique<FdWatch>(loop_, listener_.get(), [weak](uint32_t) {
        if (auto self = weak.lock())
            self->on_listener();
    });
    listener_watch_->want_read(true);
}

void SocketBackend::on_listener() {
    {
        std::lock_guard lock(mutex_);
        if (closed_ || client_.valid())
            return;
        UniqueFd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!client.valid())
            return; // the client gave up already, or EAGAIN
        VIREO_TRACE(Serial, "console client connected on {}", path_);
        auto weak = weak_self<SocketBackend>();
        client_ = std::move(client);
        client_watch_ = std::make_unique<FdWatch>(loop_, client_.get(), [weak](uint32_t events) {
            if (auto self = weak.lock())
                self->on_client(events);
        });
        // Stop accepting until this client leaves; the next one waits in the backlog. The
        // hang-up is watched even while input is paused, so a client that leaves is noticed
        // however full the guest's device is.
        listener_watch_->want_read(false);
        client_watch_->want(EPOLLRDHUP, true);
        output_.attach(client_.get(), *client_watch_, OutputChannel::Kind::Socket);
    }
    if (may_read())
        set_reading(true);
}

void SocketBackend::on_client(uint32_t events) {
    if (events & EPOLLOUT)
        output_.on_writable();
    if (output_.failed() || (events & EPOLLERR)) {
        disconnect();
        return;
    }
    if (events & (EPOLLRDHUP | EPOLLHUP)) {
        take_remaining_input();
        disconnect();
        return;
    }
    if (!(events & EPOLLIN) || !may_read())
        return;
    auto const chunk = read_client();
    if (chunk.ended)
        disconnect();
    else
        deliver(chunk.bytes);
}

SocketBackend::Chunk SocketBackend::read_client() {
    std::lock_guard lock(mutex_);
    if (!client_.valid())
        return Chunk{{}, true};
    return read_chunk(client_.get());
}

// A client that leaves (`echo cmd | socat - UNIX-CONNECT:...`) may have sent more than the
// guest has taken yet. It all goes into the input feed, which delivers it as the guest reads;
// the kernel's socket buffer bounds how much that is. (A client that only half-closes loses
// the output that follows: the console treats it as gone.)
void SocketBackend::take_remaining_input() {
    while (true) {
        auto const chunk = read_client();
        if (chunk.ended || chunk.bytes.empty())
            return;
        deliver(chunk.bytes);
    }
}

// Output queued for the client that did not get out stays in the ring for the next one.
void SocketBackend::disconnect() {
    std::lock_guard lock(mutex_);
    if (!client_.valid())
        return;
    VIREO_TRACE(Serial, "console client left {}", path_);
    output_.detach();
    client_watch_.reset();
    client_.reset();
    if (!closed_)
        listener_watch_->want_read(true);
}

void SocketBackend::set_reading(bool reading) {
    std::lock_guard lock(mutex_);
    if (client_watch_ && !closed_)
        client_watch_->want_read(reading);
}

void SocketBackend::close() {
    std::lock_guard lock(mutex_);
    if (std::exchange(closed_, true))
        return;
    listener_watch_->close();
    if (client_watch_)
        client_watch_->close();
    output_.finish(kFinalFlushLimit);
    // Remove the socket file only if it is still ours: another vireo may have replaced it.
    struct stat info {};
    if (::stat(path_.c_str(), &info) == 0 && info.st_dev == device_ && info.st_ino == inode_)
        ::unlink(path_.c_str());
}

} // namespace vireo
