#include "devices/virtio/balloon/virtio_balloon.h"

#include <algorithm>
#include <cstring>

#include <sys/epoll.h>

#include "base/event_loop.h"
#include "base/trace.h"

namespace vireo::virtio {

using namespace balloon;

namespace {

// virtio 1.2 5.5.2: inflateq and deflateq, then statsq, free_page_vq and reporting_vq for
// the features negotiated, numbered in that order with no gaps.
std::vector<QueueRole> queue_roles(uint64_t features) {
    std::vector<QueueRole> roles{QueueRole::Inflate, QueueRole::Deflate};
    if ((features & kFeatureStatsVq) != 0)
        roles.push_back(QueueRole::Stats);
    if ((features & kFeatureFreePageHint) != 0)
        roles.push_back(QueueRole::FreePageHint);
    if ((features & kFeaturePageReporting) != 0)
        roles.push_back(QueueRole::Reporting);
    return roles;
}

} // namespace

std::shared_ptr<VirtioBalloon> VirtioBalloon::create(EventLoop* loop) {
    return std::shared_ptr<VirtioBalloon>(new VirtioBalloon(loop));
}

VirtioBalloon::VirtioBalloon(EventLoop* loop)
    : loop_(loop) {}

std::vector<uint16_t> VirtioBalloon::queue_sizes() const {
    return std::vector<uint16_t>(queue_roles(kOfferedFeatures).size(), kQueueSize);
}

void VirtioBalloon::read_config(uint32_t offset, std::span<uint8_t> data) {
    std::array<uint8_t, kConfigSize> image{};
    {
        std::lock_guard lock(mutex_);
        std::memcpy(image.data() + kConfigNumPages, &target_pages_, sizeof(target_pages_));
        std::memcpy(image.data() + kConfigActual, &actual_pages_, sizeof(actual_pages_));
    }
    for (size_t i = 0; i < data.size(); ++i)
        data[i] = offset + i < image.size() ? image[offset + i] : 0;
}

// Only `actual` is the driver's to write (virtio 1.2 5.5.4); a write elsewhere is ignored.
// A partial write changes just the bytes it covers.
void VirtioBalloon::write_config(uint32_t offset, std::span<uint8_t const> data) {
    std::lock_guard lock(mutex_);
    std::array<uint8_t, sizeof(actual_pages_)> actual{};
    std::memcpy(actual.data(), &actual_pages_, sizeof(actual_pages_));
    for (size_t i = 0; i < data.size(); ++i) {
        uint64_t const at = uint64_t{offset} + i;
        if (at >= kConfigActual && at < kConfigActual + actual.size())
            actual[at - kConfigActual] = data[i];
    }
    std::memcpy(&actual_pages_, actual.data(), sizeof(actual_pages_));
    VIREO_TRACE(Virtio, "balloon: the driver reports {} pages (target {})", actual_pages_,
                target_pages_);
}

Result<void> VirtioBalloon::activate(Activation const& activation) {
    std::lock_guard lock(mutex_);
    memory_ = activation.memory;
    assign_queues(activation);
    if (auto watched = watch_queues(); !watched) {
        unwatch_queues();
        return watched;
    }
    return {};
}

void VirtioBalloon::assign_queues(Activation const& activation) {
    queues_.fill(nullptr);
    auto const roles = queue_roles(activation.features);
    for (size_t index = 0; index < roles.size() && index < activation.queues.size(); ++index)
        queue(roles[index]) = activation.queues[index];
}

// Each queue's kick wakes the loop for that queue. The callbacks hold the device weakly: a
// VM restart destroys devices while the loop lives on.
Result<void> VirtioBalloon::watch_queues() {
    if (loop_ == nullptr)
        return {};
    std::weak_ptr<VirtioBalloon> weak = weak_from_this();
    for (size_t role = 0; role < kRoleCount; ++role) {
        if (queues_[role] == nullptr)
            continue;
        TRY(loop_->add(queues_[role]->kick_fd(), EPOLLIN, [weak, role](uint32_t) {
            if (auto self = weak.lock())
                self->serve(static_cast<QueueRole>(role));
        }));
    }
    return {};
}

void VirtioBalloon::unwatch_queues() {
    for (auto* queue : queues_) {
        if (queue != nullptr && loop_ != nullptr)
            loop_->remove(queue->kick_fd());
    }
}

// The driver forgets the balloon across a reset (it starts again from an empty one), so
// the device does too; the host's target stays.
void VirtioBalloon::reset() {
    std::lock_guard lock(mutex_);
    unwatch_queues();
    queues_.fill(nullptr);
    memory_ = nullptr;
    stats_buffer_.reset();
    actual_pages_ = 0;
    inflated_pages_ = 0;
}

void VirtioBalloon::set_target_pages(uint32_t pages) {
    std::lock_guard lock(mutex_);
    if (pages == target_pages_)
        return;
    target_pages_ = pages;
    VIREO_TRACE(Virtio, "balloon: target {} pages", pages);
    if (link() != nullptr)
        link()->config_changed();
}

BalloonStatus VirtioBalloon::status() const {
    std::lock_guard lock(mutex_);
    return status_locked();
}

BalloonStatus VirtioBalloon::status_locked() const {
    BalloonStatus status;
    status.driver_active = memory_ != nullptr;
    status.target_pages = target_pages_;
    status.actual_pages = actual_pages_;
    status.inflated_pages = inflated_pages_;
    status.reported_bytes = reported_bytes_;
    status.stats_updates = stats_updates_;
    status.stats = stats_;
    if (stats_time_)
        status.stats_age = std::chrono::steady_clock::now() - *stats_time_;
    return status;
}

BalloonStatus VirtioBalloon::status_with_fresh_stats(std::chrono::milliseconds wait) {
    std::unique_lock lock(mutex_);
    uint64_t const seen = stats_updates_;
    if (request_stats_locked())
        stats_arrived_.wait_for(lock, wait,
                                [&] { return stats_updates_ != seen || waits_stopped_; });
    return status_locked();
}

void VirtioBalloon::stop_waiting() {
    std::lock_guard lock(mutex_);
    waits_stopped_ = true;
    stats_arrived_.notify_all();
}

// Returning the held buffer is the request: the driver refills it with fresh statistics
// and makes it available again.
bool VirtioBalloon::request_stats_locked() {
    auto* statsq = queue(QueueRole::Stats);
    if (statsq == nullptr || !stats_buffer_)
        return false;
    statsq->push_used(*stats_buffer_, 0);
    stats_buffer_.reset();
    statsq->notify_if_needed();
    return true;
}

} // namespace vireo::virtio
