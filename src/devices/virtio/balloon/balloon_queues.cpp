// The balloon's queues: what the driver hands over on each of them.
#include <algorithm>

#include "base/trace.h"
#include "devices/virtio/balloon/page_release.h"
#include "devices/virtio/balloon/virtio_balloon.h"
#include "memory/guest_memory.h"

namespace vireo::virtio {

using namespace balloon;

namespace {

// PFNs are read from the guest's buffer in blocks of this many (Linux sends 256 at most).
constexpr size_t kPfnBlock = 256;
// A statsq buffer longer than this holds more entries than there are tags many times over;
// the rest is not read.
constexpr size_t kMaxStatsBytes = 64 * kStatEntrySize;

// Calls visit(pfn) for every whole le32 in the chain's device-readable buffers.
template <typename Visit>
void for_each_pfn(DescriptorChain const& chain, Visit visit) {
    std::array<uint32_t, kPfnBlock> block{};
    uint64_t const count = chain.readable_bytes() / kPfnSize;
    for (uint64_t done = 0; done < count;) {
        auto const taken = static_cast<size_t>(std::min<uint64_t>(block.size(), count - done));
        chain.read(done * kPfnSize,
                   std::span(reinterpret_cast<uint8_t*>(block.data()), taken * kPfnSize));
        for (size_t i = 0; i < taken; ++i)
            visit(block[i]);
        done += taken;
    }
}

} // namespace

void VirtioBalloon::process() {
    for (size_t role = 0; role < kRoleCount; ++role)
        serve(static_cast<QueueRole>(role));
}

void VirtioBalloon::serve(QueueRole role) {
    std::lock_guard lock(mutex_);
    serve_locked(role);
}

void VirtioBalloon::serve_locked(QueueRole role) {
    auto* served = queue(role);
    if (served == nullptr)
        return;
    served->consume_kick();
    while (auto chain = served->pop()) {
        switch (role) {
        case QueueRole::Inflate:
            inflate(*chain);
            break;
        case QueueRole::Deflate:
            deflate(*chain);
            break;
        case QueueRole::Reporting:
            report_free(*chain);
            break;
        case QueueRole::Stats:
            receive_stats(std::move(*chain));
            continue; // kept until vireo wants fresh statistics
        case QueueRole::FreePageHint:
            break; // not offered: a driver that uses it anyway gets its buffers back
        }
        served->push_used(*chain, 0);
    }
    served->notify_if_needed();
}

// virtio 1.2 5.5.6: the pages named on inflateq are the device's now. Their memory goes back
// to the host; a PFN that is not guest RAM is the driver's mistake and is skipped.
void VirtioBalloon::inflate(DescriptorChain const& chain) {
    PageReleaser releaser(*memory_);
    uint64_t accepted = 0;
    uint64_t skipped = 0;
    for_each_pfn(chain, [&](uint32_t pfn) {
        if (releaser.add(uint64_t{pfn} << kPfnShift))
            ++accepted;
        else
            ++skipped;
    });
    if (auto released = releaser.finish(); !released)
        warn_release_failed(released.error());
    inflated_pages_ += accepted;
    VIREO_TRACE(Virtio, "balloon: inflate {} pages ({} not RAM), {} released", accepted, skipped,
                releaser.released_bytes() / kPageSize);
}

// Without VIRTIO_BALLOON_F_MUST_TELL_HOST the driver may use deflated pages before telling
// (virtio 1.2 5.5.6.1), and a released page simply reads as zeroes when touched again:
// there is nothing to do but count.
void VirtioBalloon::deflate(DescriptorChain const& chain) {
    uint64_t pages = 0;
    for_each_pfn(chain, [&](uint32_t pfn) {
        if (memory_->contains(uint64_t{pfn} << kPfnShift, kPageSize))
            ++pages;
    });
    inflated_pages_ -= std::min(inflated_pages_, pages);
    VIREO_TRACE(Virtio, "balloon: deflate {} pages", pages);
}

// Free page reporting (virtio 1.2 5.5.6.7): each buffer of the chain is a range of free
// guest memory, lent to the device until it returns the chain. Linux adds them as
// device-writable buffers whose content the device never needs; returning the memory to the
// host is the point. Ranges that are not whole pages are left alone.
void VirtioBalloon::report_free(DescriptorChain const& chain) {
    for (auto const& segment : chain.writable()) {
        auto released = release_guest_range(*memory_, segment.guest_address, segment.host.size());
        if (released)
            reported_bytes_ += segment.host.size();
        else
            VIREO_TRACE(Virtio, "balloon: free page report skipped: {}",
                        released.error().message());
    }
}

// virtio 1.2 5.5.6.3: the driver keeps one buffer on statsq. The device reads it, keeps it,
// and returns it when it wants fresh statistics. A second buffer while one is held would
// break that rule; the older one goes back so that none is lost.
void VirtioBalloon::receive_stats(DescriptorChain chain) {
    std::array<uint8_t, kMaxStatsBytes> bytes{};
    size_t const length = chain.read(0, bytes);
    stats_ = parse_stats(std::span(bytes.data(), length));
    stats_time_ = std::chrono::steady_clock::now();
    ++stats_updates_;
    if (stats_buffer_)
        queue(QueueRole::Stats)->push_used(*stats_buffer_, 0);
    stats_buffer_ = std::move(chain);
    stats_arrived_.notify_all();
    VIREO_TRACE(Virtio, "balloon: statistics update {} ({} bytes)", stats_updates_, length);
}

void VirtioBalloon::warn_release_failed(Error const& error) {
    if (!release_failed_)
        log_warn("virtio-balloon: cannot return guest memory to the host: {}", error.message());
    release_failed_ = true;
}

} // namespace vireo::virtio
