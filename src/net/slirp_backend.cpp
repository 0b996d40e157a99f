#include "net/slirp_backend.h"

#include <arpa/inet.h>

#include "base/trace.h"
#include "net/checksum.h"
#include "net/poll_set.h"
#include "net/slirp_timers.h"

namespace vireo::net {

namespace {

// The guest network of QEMU's `-netdev user`, which guests and users expect (QEMU's
// documentation, "Network emulation", user networking): 10.0.2.0/24, the gateway and host
// at .2, the DNS forwarder at .3, DHCP leases from .15; IPv6 on fec0::/64 likewise.
constexpr char kNetwork[] = "10.0.2.0";
constexpr char kNetmask[] = "255.255.255.0";
constexpr char kHost[] = "10.0.2.2";
constexpr char kDhcpStart[] = "10.0.2.15";
constexpr char kNameserver[] = "10.0.2.3";
constexpr char kPrefix6[] = "fec0::";
constexpr uint8_t kPrefix6Length = 64;
constexpr char kHost6[] = "fec0::2";
constexpr char kNameserver6[] = "fec0::3";
// SlirpConfig's version with disable_dhcp and timer_new_opaque (libslirp.h).
constexpr uint32_t kSlirpConfigVersion = 4;

in_addr ipv4(char const* text) {
    in_addr address{};
    inet_pton(AF_INET, text, &address);
    return address;
}

in6_addr ipv6(char const* text) {
    in6_addr address{};
    inet_pton(AF_INET6, text, &address);
    return address;
}

SlirpConfig guest_network() {
    SlirpConfig config{};
    config.version = kSlirpConfigVersion;
    config.in_enabled = true;
    config.vnetwork = ipv4(kNetwork);
    config.vnetmask = ipv4(kNetmask);
    config.vhost = ipv4(kHost);
    config.vdhcp_start = ipv4(kDhcpStart);
    config.vnameserver = ipv4(kNameserver);
    config.in6_enabled = true;
    config.vprefix_addr6 = ipv6(kPrefix6);
    config.vprefix_len = kPrefix6Length;
    config.vhost6 = ipv6(kHost6);
    config.vnameserver6 = ipv6(kNameserver6);
    config.if_mtu = SlirpBackend::kMtu;
    config.if_mru = SlirpBackend::kMtu;
    return config;
}

// SLIRP_POLL_* and poll(2)'s events, both ways.
constexpr std::pair<int, short> kPollEvents[] = {
    {SLIRP_POLL_IN, POLLIN},   {SLIRP_POLL_OUT, POLLOUT}, {SLIRP_POLL_PRI, POLLPRI},
    {SLIRP_POLL_ERR, POLLERR}, {SLIRP_POLL_HUP, POLLHUP},
};

short to_poll(int slirp_events) {
    short events = 0;
    for (auto const& [slirp, poll] : kPollEvents)
        events = static_cast<short>(events | ((slirp_events & slirp) != 0 ? poll : 0));
    return events;
}

int to_slirp(short poll_events) {
    int events = 0;
    for (auto const& [slirp, poll] : kPollEvents)
        events |= (poll_events & poll) != 0 ? slirp : 0;
    return events;
}

Result<in_addr> parse_address(std::string const& text, in_addr fallback) {
    if (text.empty())
        return fallback;
    in_addr address{};
    if (inet_pton(AF_INET, text.c_str(), &address) != 1)
        return make_error("'{}' is not an IPv4 address", text);
    return address;
}

} // namespace

// The timer callbacks reach SlirpTimers through the backend.
SlirpBackend::SlirpBackend()
    : timers_(std::make_unique<SlirpTimers>()) {}

SlirpBackend::~SlirpBackend() {
    if (slirp_ != nullptr)
        slirp_cleanup(slirp_);
}

Result<std::unique_ptr<SlirpBackend>>
SlirpBackend::create(std::vector<PortForward> const& forwards) {
    static SlirpCb const callbacks = {
        .send_packet = send_packet,
        .guest_error = guest_error,
        .clock_get_ns = [](void*) { return SlirpTimers::now_ns(); },
        .timer_new = nullptr,
        .timer_free =
            [](void* timer, void* opaque) {
                static_cast<SlirpBackend*>(opaque)->timers_->destroy(timer);
            },
        .timer_mod = [](void* timer, int64_t expire_ms,
                        void*) { SlirpTimers::modify(timer, expire_ms); },
        // Every round polls what slirp_pollfds_fill lists, and slirp runs on the thread that
        // polls: there is nothing to register and no one to wake.
        .register_poll_fd = [](int, void*) {},
        .unregister_poll_fd = [](int, void*) {},
        .notify = [](void*) {},
        .init_completed = nullptr,
        .timer_new_opaque =
            [](SlirpTimerId id, void* cb_opaque, void* opaque) {
                return static_cast<SlirpBackend*>(opaque)->timers_->create(id, cb_opaque);
            },
    };
    std::unique_ptr<SlirpBackend> backend(new SlirpBackend());
    SlirpConfig const config = guest_network();
    backend->slirp_ = slirp_new(&config, &callbacks, backend.get());
    if (backend->slirp_ == nullptr)
        return make_error("--net user: libslirp {} refused the network configuration",
                          slirp_version_string());
    for (auto const& forward : forwards)
        TRY(backend->add_forward(forward));
    return backend;
}

Result<void> SlirpBackend::add_forward(PortForward const& forward) {
    auto const description = fmt::format(
        "--net user: hostfwd={}:{}:{}-{}:{}", forward.udp ? "udp" : "tcp", forward.host_address,
        forward.host_port, forward.guest_address, forward.guest_port);
    auto const host =
        TRY_CONTEXT(parse_address(forward.host_address, in_addr{INADDR_ANY}), description);
    auto const guest =
        TRY_CONTEXT(parse_address(forward.guest_address, ipv4(kDhcpStart)), description);
    errno = 0;
    if (slirp_add_hostfwd(slirp_, forward.udp ? 1 : 0, host, forward.host_port, guest,
                          forward.guest_port) < 0) {
        if (errno == 0)
            return make_error("{}: cannot forward host port {}", description, forward.host_port);
        return errno_error("{}: cannot listen on host port {}", description, forward.host_port);
    }
    VIREO_TRACE(Net, "user: forwarding host port {} to guest port {}", forward.host_port,
                forward.guest_port);
    return {};
}

void SlirpBackend::prepare(PollSet& set, int& timeout_ms) {
    uint32_t slirp_timeout = timeout_ms < 0 ? UINT32_MAX : static_cast<uint32_t>(timeout_ms);
    filling_ = &set;
    slirp_pollfds_fill(slirp_, &slirp_timeout, add_poll, this);
    filling_ = nullptr;
    if (slirp_timeout != UINT32_MAX)
        timeout_ms = static_cast<int>(std::min<uint32_t>(slirp_timeout, INT32_MAX));
    timers_->lower_timeout(timeout_ms);
}

void SlirpBackend::dispatch(PollSet const& set) {
    polled_ = &set;
    slirp_pollfds_poll(slirp_, 0, get_revents, this);
    polled_ = nullptr;
    timers_->run_expired(slirp_);
}

void SlirpBackend::send(NetHeader const& header, std::span<uint8_t> frame) {
    if (header.needs_checksum()) {
        if (auto completed = complete_checksum(header, frame); !completed) {
            VIREO_TRACE(Net, "user: dropped a guest frame: {}", completed.error().message());
            return;
        }
    }
    slirp_input(slirp_, frame.data(), static_cast<int>(frame.size()));
}

ssize_t SlirpBackend::send_packet(void const* buffer, size_t length, void* opaque) {
    auto* self = static_cast<SlirpBackend*>(opaque);
    // libslirp computed every checksum of the frames it builds: DATA_VALID is the truth, and
    // spares the guest checking them again.
    NetHeader header;
    header.flags = kHeaderDataValid;
    if (self->sink() != nullptr)
        self->sink()->receive(header, {static_cast<uint8_t const*>(buffer), length});
    return static_cast<ssize_t>(length);
}

void SlirpBackend::guest_error(char const* message, void* /*opaque*/) {
    VIREO_TRACE(Net, "user: guest error: {}", message);
}

// While the guest cannot take more frames, sockets are not polled for input: their data
// waits in the host kernel (TCP flow control does the rest) instead of being dropped here.
int SlirpBackend::add_poll(int fd, int events, void* opaque) {
    auto* self = static_cast<SlirpBackend*>(opaque);
    if (self->sink() != nullptr && !self->sink()->can_receive())
        events &= ~(SLIRP_POLL_IN | SLIRP_POLL_PRI);
    return static_cast<int>(self->filling_->add(fd, to_poll(events)));
}

int SlirpBackend::get_revents(int index, void* opaque) {
    auto const* self = static_cast<SlirpBackend*>(opaque);
    return to_slirp(self->polled_->revents(static_cast<size_t>(index)));
}

} // namespace vireo::net
