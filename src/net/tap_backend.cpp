#include "net/tap_backend.h"

#include <cerrno>
#include <cstring>

#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/uio.h>

#include <fcntl.h>
#include <unistd.h>

#include "base/trace.h"
#include "net/poll_set.h"

namespace vireo::net {

namespace {

constexpr char kTunDevice[] = "/dev/net/tun";
// Frames read per round at most, so that one busy interface cannot starve the guest's
// transmit queue on the same thread.
constexpr unsigned kReadBudget = 64;

} // namespace

Result<std::unique_ptr<TapBackend>> TapBackend::create(std::string const& interface) {
    auto const context = fmt::format("--net tap={}", interface);
    // IFNAMSIZ counts the terminating NUL (linux/if.h).
    if (interface.empty() || interface.size() >= IFNAMSIZ)
        return make_error("{}: an interface name has 1 to {} characters", context, IFNAMSIZ - 1);
    UniqueFd tap(::open(kTunDevice, O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (!tap.valid())
        return errno_error("{}: cannot open {}", context, kTunDevice);
    ifreq request{};
    request.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    std::memcpy(request.ifr_name, interface.data(), interface.size());
    if (::ioctl(tap.get(), TUNSETIFF, &request) < 0)
        return errno_error("{}: cannot attach to the tap interface", context);
    // The 12-byte header of VIRTIO_F_VERSION_1, num_buffers included (virtio 1.2 5.1.6).
    int header_size = kNetHeaderSize;
    if (::ioctl(tap.get(), TUNSETVNETHDRSZ, &header_size) < 0)
        return errno_error("{}: cannot set the virtio-net header size", context);
    auto backend = std::unique_ptr<TapBackend>(new TapBackend(std::move(tap), interface));
    backend->set_guest_offloads({});
    return backend;
}

TapBackend::TapBackend(UniqueFd tap, std::string interface)
    : tap_(std::move(tap))
    , interface_(std::move(interface))
    , buffer_(kNetHeaderSize + kMaxFrameSize) {}

// What the host kernel may hand us unfinished: only what the guest accepted. Without
// checksum offload it finishes every frame before we read it.
void TapBackend::set_guest_offloads(GuestOffloads offloads) {
    unsigned const flags = offloads.checksum ? TUN_F_CSUM : 0;
    if (::ioctl(tap_.get(), TUNSETOFFLOAD, flags) < 0)
        VIREO_TRACE(Net, "tap {}: TUNSETOFFLOAD {:#x}: {}", interface_, flags, strerror(errno));
}

void TapBackend::prepare(PollSet& set, int& /*timeout_ms*/) {
    // A guest without room leaves frames queued in the host kernel (which drops beyond its
    // queue length) rather than here.
    polled_ = sink() != nullptr && sink()->can_receive();
    if (polled_)
        poll_index_ = set.add(tap_.get(), POLLIN);
}

void TapBackend::dispatch(PollSet const& set) {
    if (polled_ && (set.revents(poll_index_) & POLLIN) != 0)
        read_frames();
}

void TapBackend::read_frames() {
    for (unsigned i = 0; i < kReadBudget && sink()->can_receive(); ++i) {
        ssize_t const got = ::read(tap_.get(), buffer_.data(), buffer_.size());
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            if (errno != EAGAIN)
                VIREO_TRACE(Net, "tap {}: read: {}", interface_, strerror(errno));
            return;
        }
        if (static_cast<size_t>(got) < kNetHeaderSize + kEthernetHeaderSize)
            continue;
        auto const header = NetHeader::parse(std::span(buffer_).first<kNetHeaderSize>());
        sink()->receive(header, std::span(buffer_).subspan(
                                    kNetHeaderSize, static_cast<size_t>(got) - kNetHeaderSize));
    }
}

void TapBackend::send(NetHeader const& header, std::span<uint8_t> frame) {
    uint8_t raw[kNetHeaderSize];
    NetHeader outgoing = header;
    outgoing.num_buffers = 0;
    outgoing.serialize(raw);
    iovec parts[2] = {{raw, sizeof(raw)}, {frame.data(), frame.size()}};
    // The tun driver takes a frame whole or not at all; one it cannot queue is dropped as a
    // full wire would drop it, and TCP recovers.
    if (::writev(tap_.get(), parts, 2) < 0)
        VIREO_TRACE(Net, "tap {}: dropped a guest frame: {}", interface_, strerror(errno));
}

} // namespace vireo::net
