#include "devices/virtio/net/virtio_net.h"

#include <algorithm>
#include <cstring>

#include "base/trace.h"
#include "devices/virtio/net/net_spec.h"
#include "devices/virtio/net/tx_frame.h"
#include "net/poll_set.h"

namespace vireo::virtio {

using net::NetHeader;

namespace {

// QEMU's first NIC address: the 0x02 bit of the first octet marks it locally administered
// (IEEE 802-2014 8.2.2), so it collides with no vendor's hardware address.
constexpr MacAddress kBaseMac = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

// virtio 1.2 5.1.3.1: the segmentation features depend on checksum offload, ECN on
// segmentation.
bool dependencies_met(uint64_t features) {
    using namespace net_spec;
    bool const host_tso = (features & (kHostTso4 | kHostTso6)) != 0;
    bool const guest_tso = (features & (kGuestTso4 | kGuestTso6)) != 0;
    if ((host_tso || (features & kHostUfo) != 0) && (features & kCsum) == 0)
        return false;
    if ((features & kHostEcn) != 0 && !host_tso)
        return false;
    if ((guest_tso || (features & kGuestUfo) != 0) && (features & kGuestCsum) == 0)
        return false;
    return (features & kGuestEcn) == 0 || guest_tso;
}

Virtqueue* queue_at(Activation const& activation, uint16_t index) {
    return index < activation.queues.size() ? activation.queues[index] : nullptr;
}

} // namespace

Result<std::shared_ptr<VirtioNet>> VirtioNet::create(std::unique_ptr<net::Backend> backend,
                                                     MacAddress mac, Threading threading) {
    std::shared_ptr<VirtioNet> device(new VirtioNet(std::move(backend), mac));
    device->backend_->attach(*device);
    if (threading == Threading::OwnThread) {
        device->thread_ = TRY(net::NetThread::create(*device->backend_, *device));
        device->thread_->start();
    }
    return device;
}

VirtioNet::VirtioNet(std::unique_ptr<net::Backend> backend, MacAddress mac)
    : backend_(std::move(backend))
    , mac_(mac)
    , tx_headers_(kTransmitBatch)
    , tx_frames_(kTransmitBatch) {}

VirtioNet::~VirtioNet() {
    thread_.reset();
}

MacAddress VirtioNet::default_mac(unsigned index) {
    MacAddress mac = kBaseMac;
    mac[5] = static_cast<uint8_t>(mac[5] + index);
    return mac;
}

// Offloads are offered only where the back end can finish them. Receive-side segmentation
// (GUEST_TSO) is not offered: with it most frames would span several buffers.
uint64_t VirtioNet::features() const {
    using namespace net_spec;
    auto const host = backend_->host_offloads();
    // MTU: the back end's (virtio 1.2 5.1.4.1); Linux makes it eth0's MTU.
    uint64_t features = kMac | kStatus | kMrgRxbuf | kGuestCsum | kMtu;
    features |= host.checksum ? kCsum : 0;
    features |= host.checksum && host.tcp4 ? kHostTso4 : 0;
    features |= host.checksum && host.tcp6 ? kHostTso6 : 0;
    features |= host.checksum && host.ecn && (host.tcp4 || host.tcp6) ? kHostEcn : 0;
    return features;
}

uint32_t VirtioNet::config_size() const {
    return sizeof(net_spec::Config);
}

void VirtioNet::read_config(uint32_t offset, std::span<uint8_t> data) {
    net_spec::Config config{};
    std::memcpy(config.mac, mac_.data(), mac_.size());
    config.status = net_spec::kStatusLinkUp;
    config.max_virtqueue_pairs = 1;
    config.mtu = backend_->mtu();
    auto const bytes = std::as_bytes(std::span(&config, 1));
    std::memset(data.data(), 0, data.size());
    if (offset < bytes.size()) {
        size_t const count = std::min(data.size(), bytes.size() - offset);
        std::memcpy(data.data(), bytes.data() + offset, count);
    }
}

bool VirtioNet::accept_features(uint64_t features) {
    return dependencies_met(features);
}

Result<void> VirtioNet::activate(Activation const& activation) {
    {
        std::lock_guard lock(mutex_);
        features_ = activation.features;
        rx_ = queue_at(activation, net_spec::kReceiveQueue);
        tx_ = queue_at(activation, net_spec::kTransmitQueue);
        bool const mergeable = (features_ & net_spec::kMrgRxbuf) != 0;
        rx_buffers_ = RxBuffers(mergeable ? RxBuffers::Mode::Mergeable : RxBuffers::Mode::Single);
    }
    backend_->set_guest_offloads({(activation.features & net_spec::kGuestCsum) != 0});
    VIREO_TRACE(Net, "virtio-net: active with features {:#x}", activation.features);
    if (thread_)
        thread_->wake();
    return {};
}

void VirtioNet::reset() {
    std::lock_guard lock(mutex_);
    rx_ = nullptr;
    tx_ = nullptr;
    features_ = 0;
    rx_buffers_.clear();
    backlog_.clear();
    backlog_bytes_ = 0;
    rx_used_ = false;
}

VirtioNet::Counters VirtioNet::counters() const {
    std::lock_guard lock(mutex_);
    return counters_;
}

void VirtioNet::prepare(net::PollSet& set, int& /*timeout_ms*/) {
    std::lock_guard lock(mutex_);
    rx_poll_ = rx_ != nullptr ? std::optional(set.add(rx_->kick_fd(), POLLIN)) : std::nullopt;
    tx_poll_ = tx_ != nullptr ? std::optional(set.add(tx_->kick_fd(), POLLIN)) : std::nullopt;
}

void VirtioNet::dispatch(net::PollSet const& set) {
    auto kicked = [&set](std::optional<size_t> index) {
        return index && (set.revents(*index) & POLLIN) != 0;
    };
    if (kicked(tx_poll_))
        transmit();
    if (kicked(rx_poll_))
        refill();
    notify_receive();
}

void VirtioNet::process() {
    transmit();
    refill();
    notify_receive();
}

// ---- Transmit: guest frames to the back end (virtio 1.2 5.1.6.2). ----

void VirtioNet::transmit() {
    for (;;) {
        size_t const count = take_transmit_batch();
        // The back end runs without the lock: libslirp answers some frames at once (ARP,
        // acknowledgements), and those answers come back through receive().
        for (size_t i = 0; i < count; ++i)
            backend_->send(tx_headers_[i], tx_frames_[i]);
        if (count < kTransmitBatch)
            return;
    }
}

// Copies up to kTransmitBatch frames out of the transmit queue and hands their chains back.
size_t VirtioNet::take_transmit_batch() {
    std::lock_guard lock(mutex_);
    if (tx_ == nullptr)
        return 0;
    // Reset before popping: a kick that comes after the last pop starts another round.
    tx_->consume_kick();
    size_t count = 0;
    while (count < kTransmitBatch) {
        auto chain = tx_->pop();
        if (!chain)
            break;
        auto header = read_tx_frame(*chain, features_, tx_frames_[count]);
        // The device writes nothing into transmit buffers (virtio 1.2 5.1.6.2).
        tx_->push_used(*chain, 0);
        if (!header) {
            ++counters_.tx_dropped;
            VIREO_TRACE(Net, "virtio-net: dropped transmit chain {}: {}", chain->head(),
                        header.error().message());
            continue;
        }
        tx_headers_[count++] = *header;
        ++counters_.tx_frames;
    }
    tx_->notify_if_needed();
    return count;
}

// ---- Receive: back end frames to the guest (virtio 1.2 5.1.6.3, 5.1.6.4). ----

// Makes the back end's header one the driver accepted: without GUEST_CSUM flags must be 0
// (virtio 1.2 5.1.6.3.1), and this device never offers GUEST_TSO.
bool VirtioNet::header_for_guest(NetHeader& header) const {
    if (header.gso_type != net::kGsoNone)
        return false;
    if ((features_ & net_spec::kGuestCsum) == 0) {
        if (header.needs_checksum())
            return false;
        header.flags = 0;
    }
    header.flags &= net::kHeaderNeedsChecksum | net::kHeaderDataValid;
    return true;
}

void VirtioNet::receive(NetHeader const& header, std::span<uint8_t const> frame) {
    std::lock_guard lock(mutex_);
    NetHeader for_guest = header;
    if (rx_ == nullptr || frame.size() > net::kMaxFrameSize || !header_for_guest(for_guest)) {
        ++counters_.rx_dropped;
        return;
    }
    if (backlog_.empty())
        return deliver(for_guest, frame);
    if (backlog_.size() >= kBacklogFrames || backlog_bytes_ + frame.size() > kBacklogBytes) {
        ++counters_.rx_dropped;
        return;
    }
    backlog_.push_back({for_guest, {frame.begin(), frame.end()}});
    backlog_bytes_ += frame.size();
    drain_backlog();
}

// With the lock held, and nothing waiting before this frame.
void VirtioNet::deliver(NetHeader const& header, std::span<uint8_t const> frame) {
    switch (rx_buffers_.place(*rx_, header, frame)) {
    case RxBuffers::Outcome::Placed:
        ++counters_.rx_frames;
        rx_used_ = true;
        return;
    case RxBuffers::Outcome::Dropped:
        ++counters_.rx_dropped;
        return;
    case RxBuffers::Outcome::NoBuffers:
        backlog_.push_back({header, {frame.begin(), frame.end()}});
        backlog_bytes_ += frame.size();
        return;
    }
}

bool VirtioNet::can_receive() const {
    std::lock_guard lock(mutex_);
    return rx_ != nullptr && backlog_.size() < kBacklogFrames / 2 &&
           backlog_bytes_ < kBacklogBytes / 2;
}

void VirtioNet::refill() {
    std::lock_guard lock(mutex_);
    if (rx_ == nullptr)
        return;
    rx_->consume_kick();
    drain_backlog();
}

void VirtioNet::drain_backlog() {
    while (!backlog_.empty()) {
        auto const& pending = backlog_.front();
        auto const outcome = rx_buffers_.place(*rx_, pending.header, pending.frame);
        if (outcome == RxBuffers::Outcome::NoBuffers)
            return;
        if (outcome == RxBuffers::Outcome::Placed) {
            ++counters_.rx_frames;
            rx_used_ = true;
        } else {
            ++counters_.rx_dropped;
        }
        backlog_bytes_ -= pending.frame.size();
        backlog_.pop_front();
    }
}

// One interrupt check per round rather than per frame.
void VirtioNet::notify_receive() {
    std::lock_guard lock(mutex_);
    if (rx_ != nullptr && rx_used_)
        rx_->notify_if_needed();
    rx_used_ = false;
}

} // namespace vireo::virtio
