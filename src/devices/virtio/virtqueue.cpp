#include "devices/virtio/virtqueue.h"

#include <atomic>
#include <bit>
#include <cstring>

#include <unistd.h>

#include "base/trace.h"
#include "devices/virtio/virtio_spec.h"
#include "memory/guest_memory.h"

namespace vireo::virtio {

namespace {

// Part sizes and alignments of a split virtqueue (virtio 1.2 2.7, the table under "Split
// Virtqueues"). The driver area's size includes used_event, the device area's avail_event.
constexpr uint64_t kDescAlignment = 16;
constexpr uint64_t kAvailAlignment = 2;
constexpr uint64_t kUsedAlignment = 4;
uint64_t desc_bytes(uint16_t size) {
    return 16 * uint64_t{size};
}
uint64_t avail_bytes(uint16_t size) {
    return 6 + 2 * uint64_t{size};
}
uint64_t used_bytes(uint16_t size) {
    return 6 + 8 * uint64_t{size};
}

// Field offsets in struct virtq_avail and struct virtq_used (virtio 1.2 2.7.6, 2.7.8).
constexpr size_t kFlags = 0;
constexpr size_t kIdx = 2;
constexpr size_t kRing = 4;
constexpr size_t kUsedElementSize = 8;

// virtio 1.2 2.7.7 and 2.7.10: with VIRTIO_F_EVENT_IDX the other side wants a notification
// when the index moves past `event`, i.e. when event lies in [old, new).
bool need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx) {
    return static_cast<uint16_t>(new_idx - event - 1) < static_cast<uint16_t>(new_idx - old_idx);
}

uint16_t load_acquire(uint16_t& field) {
    return std::atomic_ref<uint16_t>(field).load(std::memory_order_acquire);
}

uint16_t load_relaxed(uint16_t& field) {
    return std::atomic_ref<uint16_t>(field).load(std::memory_order_relaxed);
}

Result<uint8_t*> locate(GuestMemory& memory, char const* part, uint64_t address, uint64_t bytes,
                        uint64_t alignment) {
    if (address % alignment != 0)
        return make_error("{} at {:#x} is not {}-byte aligned", part, address, alignment);
    uint8_t* host = memory.host_pointer(address, bytes);
    if (host == nullptr)
        return make_error("{} {:#x}+{:#x} is not guest RAM", part, address, bytes);
    return host;
}

} // namespace

Result<std::unique_ptr<Virtqueue>> Virtqueue::create(GuestMemory& memory, QueueLayout const& layout,
                                                     uint64_t features, QueueOwner& owner,
                                                     int kick_fd) {
    if (layout.size == 0 || !std::has_single_bit(layout.size) || layout.size > kMaxQueueSize)
        return make_error("queue {}: size {} is not a power of two up to {}", layout.index,
                          layout.size, kMaxQueueSize);
    std::unique_ptr<Virtqueue> queue(new Virtqueue(memory, layout, features, owner, kick_fd));
    auto const context = fmt::format("queue {}", layout.index);
    queue->desc_ = TRY_CONTEXT(
        locate(memory, "descriptor table", layout.desc, desc_bytes(layout.size), kDescAlignment),
        context);
    queue->avail_ = TRY_CONTEXT(
        locate(memory, "available ring", layout.driver, avail_bytes(layout.size), kAvailAlignment),
        context);
    queue->used_ = TRY_CONTEXT(
        locate(memory, "used ring", layout.device, used_bytes(layout.size), kUsedAlignment),
        context);
    return queue;
}

Virtqueue::Virtqueue(GuestMemory& memory, QueueLayout const& layout, uint64_t features,
                     QueueOwner& owner, int kick_fd)
    : memory_(memory)
    , layout_(layout)
    , owner_(owner)
    , kick_fd_(kick_fd)
    , indirect_((features & kFeatureIndirectDesc) != 0)
    , event_idx_((features & kFeatureEventIdx) != 0) {}

uint16_t* Virtqueue::avail_field(size_t offset) const {
    return reinterpret_cast<uint16_t*>(avail_ + offset);
}

uint16_t* Virtqueue::used_field(size_t offset) const {
    return reinterpret_cast<uint16_t*>(used_ + offset);
}

void Virtqueue::fail(std::string const& reason) {
    broken_ = true;
    VIREO_TRACE(Virtio, "queue {}: {}", layout_.index, reason);
    owner_.queue_error(layout_.index, reason);
}

// How many chains wait in the available ring. The acquire load pairs with the driver's
// write barrier before it publishes idx (virtio 1.2 2.7.13.3), so the ring entries and
// descriptors it covers are visible.
std::optional<uint16_t> Virtqueue::available_count() {
    uint16_t const avail_idx = load_acquire(*avail_field(kIdx));
    auto const count = static_cast<uint16_t>(avail_idx - last_avail_);
    if (count > layout_.size) {
        fail(fmt::format("available idx moved from {} to {}, more than the {} entries", last_avail_,
                         avail_idx, layout_.size));
        return std::nullopt;
    }
    return count;
}

// With VIRTIO_F_EVENT_IDX, an empty queue asks for a notification at the next entry
// (avail_event, virtio 1.2 2.7.10), then looks again: the driver may have added a chain
// before it could see the request. The full fence orders the store before the load.
bool Virtqueue::wait_for_more() {
    if (!event_idx_)
        return false;
    auto* avail_event = used_field(kRing + kUsedElementSize * layout_.size);
    std::atomic_ref<uint16_t>(*avail_event).store(last_avail_, std::memory_order_relaxed);
    memory_.notify_written(layout_.device + kRing + kUsedElementSize * layout_.size, 2);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    auto const count = available_count();
    return count && *count > 0;
}

std::optional<DescriptorChain> Virtqueue::pop() {
    if (broken_)
        return std::nullopt;
    auto count = available_count();
    if (!count)
        return std::nullopt;
    if (*count == 0 && !wait_for_more())
        return std::nullopt;
    uint16_t head = 0;
    std::memcpy(&head, avail_ + kRing + 2 * (size_t{last_avail_} % layout_.size), sizeof(head));
    ++last_avail_;
    auto chain = walk_chain(memory_, DescriptorTable{desc_, layout_.size}, head, indirect_);
    if (!chain) {
        fail(fmt::format("chain at {}: {}", head, chain.error().message()));
        return std::nullopt;
    }
    return std::move(*chain);
}

// virtio 1.2 2.7.8.1: the element (id and len) is written before idx is published; the
// release store keeps that order for a driver on another CPU.
void Virtqueue::push_used(DescriptorChain const& chain, uint32_t written) {
    if (broken_)
        return;
    auto const bytes = static_cast<uint32_t>(std::min<uint64_t>(written, chain.writable_bytes()));
    report_written(chain, bytes);
    size_t const slot = kRing + kUsedElementSize * (used_idx_ % layout_.size);
    uint32_t const element[2] = {chain.head(), bytes};
    std::memcpy(used_ + slot, element, sizeof(element));
    ++used_idx_;
    std::atomic_ref<uint16_t>(*used_field(kIdx)).store(used_idx_, std::memory_order_release);
    memory_.notify_written(layout_.device + slot, kUsedElementSize);
    memory_.notify_written(layout_.device + kIdx, 2);
}

void Virtqueue::report_written(DescriptorChain const& chain, uint64_t written) {
    for (auto const& segment : chain.writable()) {
        if (written == 0)
            return;
        uint64_t const count = std::min<uint64_t>(written, segment.host.size());
        memory_.notify_written(segment.guest_address, count);
        written -= count;
    }
}

void Virtqueue::notify_if_needed() {
    if (broken_ || used_idx_ == signalled_used_)
        return;
    uint16_t const old_idx = signalled_used_;
    signalled_used_ = used_idx_;
    // The used idx store must be visible before the driver's suppression fields are read
    // (virtio 1.2 2.7.14: the driver re-checks after re-enabling interrupts).
    std::atomic_thread_fence(std::memory_order_seq_cst);
    bool needed = false;
    if (event_idx_) {
        auto* used_event = avail_field(kRing + 2 * size_t{layout_.size});
        needed = need_event(load_relaxed(*used_event), used_idx_, old_idx);
    } else {
        needed = (load_relaxed(*avail_field(kFlags)) & kAvailNoInterrupt) == 0;
    }
    if (needed)
        owner_.queue_interrupt(layout_.index);
}

bool Virtqueue::has_available() const {
    return !broken_ && load_acquire(*avail_field(kIdx)) != last_avail_;
}

bool Virtqueue::consume_kick() const {
    uint64_t count = 0;
    return ::read(kick_fd_, &count, sizeof(count)) == sizeof(count);
}

} // namespace vireo::virtio
