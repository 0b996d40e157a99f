#include "devices/virtio/console/unix_socket.h"

#include <cstring>

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <unistd.h>

namespace vireo::virtio {

namespace {

// Clients beyond the first wait in the backlog until the device accepts them.
constexpr int kListenBacklog = 16;

Result<sockaddr_un> socket_address(std::string const& path, std::string_view what) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof(address.sun_path))
        return make_error("{}: socket path '{}' must have 1 to {} bytes", what, path,
                          sizeof(address.sun_path) - 1);
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    return address;
}

sockaddr const* as_sockaddr(sockaddr_un const& address) {
    return reinterpret_cast<sockaddr const*>(&address);
}

// A socket file nobody listens on is left over from a process that died without cleaning
// up: connecting to it is refused. Anything else at the path is not ours to remove.
Result<void> remove_stale_socket(std::string const& path, sockaddr_un const& address,
                                 std::string_view what) {
    struct stat info {};
    if (lstat(path.c_str(), &info) != 0)
        return {};
    if (!S_ISSOCK(info.st_mode))
        return make_error("{}: {} exists and is not a socket", what, path);
    UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!probe.valid())
        return errno_error("{}: socket", what);
    if (::connect(probe.get(), as_sockaddr(address), sizeof(address)) == 0)
        return make_error("{}: socket {} is in use by another process", what, path);
    if (errno != ECONNREFUSED)
        return errno_error("{}: probing socket {}", what, path);
    if (::unlink(path.c_str()) != 0)
        return errno_error("{}: removing stale socket {}", what, path);
    return {};
}

} // namespace

Result<UnixListener> UnixListener::create(std::string const& path, std::string_view what) {
    auto const address = TRY(socket_address(path, what));
    TRY(remove_stale_socket(path, address, what));
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd.valid())
        return errno_error("{}: socket", what);
    if (::bind(fd.get(), as_sockaddr(address), sizeof(address)) != 0)
        return errno_error("{}: binding socket {}", what, path);
    struct stat info {};
    if (::listen(fd.get(), kListenBacklog) != 0 || ::stat(path.c_str(), &info) != 0) {
        auto error = Error::from_errno("{}: listening on socket {}", what, path);
        ::unlink(path.c_str());
        return tl::unexpected(error);
    }
    return UnixListener(std::move(fd), path, info.st_dev, info.st_ino);
}

UnixListener::UnixListener(UniqueFd fd, std::string path, dev_t device, ino_t inode)
    : fd_(std::move(fd))
    , path_(std::move(path))
    , device_(device)
    , inode_(inode) {}

UnixListener::~UnixListener() {
    if (!fd_.valid())
        return;
    // Another process may have replaced the file since: only ours is removed.
    struct stat info {};
    if (::lstat(path_.c_str(), &info) == 0 && info.st_dev == device_ && info.st_ino == inode_)
        ::unlink(path_.c_str());
}

UniqueFd UnixListener::accept() const {
    return UniqueFd(::accept4(fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
}

Result<UniqueFd> connect_unix(std::string const& path) {
    auto const address = TRY(socket_address(path, "connect"));
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd.valid())
        return errno_error("socket");
    // A unix connect completes at once or fails (EAGAIN: the listener's backlog is full).
    if (::connect(fd.get(), as_sockaddr(address), sizeof(address)) != 0)
        return errno_error("connecting to {}", path);
    return fd;
}

size_t unread_bytes(int fd) {
    int count = 0;
    if (::ioctl(fd, FIONREAD, &count) != 0 || count < 0)
        return 0;
    return static_cast<size_t>(count);
}

SocketWatch::SocketWatch(EventLoop* loop, int fd, EventLoop::Callback callback)
    : loop_(loop)
    , fd_(fd)
    , callback_(std::move(callback)) {}

SocketWatch::SocketWatch(SocketWatch&& other) noexcept
    : loop_(std::exchange(other.loop_, nullptr))
    , fd_(std::exchange(other.fd_, -1))
    , callback_(std::move(other.callback_))
    , events_(std::exchange(other.events_, 0)) {}

SocketWatch& SocketWatch::operator=(SocketWatch&& other) noexcept {
    if (this != &other) {
        clear();
        loop_ = std::exchange(other.loop_, nullptr);
        fd_ = std::exchange(other.fd_, -1);
        callback_ = std::move(other.callback_);
        events_ = std::exchange(other.events_, 0);
    }
    return *this;
}

SocketWatch::~SocketWatch() {
    clear();
}

void SocketWatch::clear() {
    if (loop_ != nullptr && events_ != 0)
        loop_->remove(fd_);
    events_ = 0;
}

void SocketWatch::set(uint32_t events) {
    if (loop_ == nullptr || fd_ < 0 || events == events_)
        return;
    if (events == 0) {
        clear();
        return;
    }
    bool const ok = events_ == 0 ? loop_->add(fd_, events, callback_).has_value()
                                 : loop_->modify(fd_, events).has_value();
    // epoll refuses only what vireo got wrong (a closed fd); nothing is watched then.
    events_ = ok ? events : 0;
}

} // namespace vireo::virtio
