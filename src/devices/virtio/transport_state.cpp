#include "devices/virtio/transport_state.h"

#include <bit>

#include <sys/eventfd.h>

#include <unistd.h>

#include "base/trace.h"

namespace vireo::virtio {

namespace {

// Only these status bits are the driver's to set (virtio 1.2 2.1); DEVICE_NEEDS_RESET is
// the device's.
constexpr uint8_t kDriverStatusBits =
    kStatusAcknowledge | kStatusDriver | kStatusDriverOk | kStatusFeaturesOk | kStatusFailed;

} // namespace

Result<std::unique_ptr<TransportState>>
TransportState::create(VirtioDevice& device, GuestMemory& memory, InterruptTarget& interrupts) {
    auto const sizes = device.queue_sizes();
    if (sizes.empty() || sizes.size() > kMaxQueueSize)
        return make_error("{}: a device has 1 to {} queues, not {}", device.name(), kMaxQueueSize,
                          sizes.size());
    for (uint16_t size : sizes) {
        if (size == 0 || !std::has_single_bit(size) || size > kMaxQueueSize)
            return make_error("{}: queue size {} is not a power of two up to {}", device.name(),
                              size, kMaxQueueSize);
    }
    std::vector<UniqueFd> kicks;
    for (size_t i = 0; i < sizes.size(); ++i) {
        UniqueFd kick(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
        if (!kick.valid())
            return errno_error("{}: eventfd for queue {}", device.name(), i);
        kicks.push_back(std::move(kick));
    }
    std::unique_ptr<TransportState> state(
        new TransportState(device, memory, interrupts, std::move(kicks)));
    device.attach(*state);
    return state;
}

TransportState::TransportState(VirtioDevice& device, GuestMemory& memory,
                               InterruptTarget& interrupts, std::vector<UniqueFd> kicks)
    : device_(device)
    , memory_(memory)
    , interrupts_(interrupts)
    , queue_sizes_(device.queue_sizes())
    , offered_((device.features() & ~kTransportFeatureMask) | kTransportFeatures)
    , kicks_(std::move(kicks))
    , queues_(queue_sizes_.size()) {
    for (size_t i = 0; i < queues_.size(); ++i)
        queues_[i].max_size = queues_[i].size = queue_sizes_[i];
}

TransportState::~TransportState() {
    std::lock_guard lock(mutex_);
    if (activated_)
        device_.reset();
}

uint64_t TransportState::driver_features() const {
    std::lock_guard lock(mutex_);
    return driver_features_;
}

void TransportState::write_driver_features(uint32_t select, uint32_t value) {
    std::lock_guard lock(mutex_);
    if ((status() & kStatusFeaturesOk) != 0 || select > 1)
        return;
    unsigned const shift = 32 * select;
    driver_features_ =
        (driver_features_ & ~(uint64_t{0xffffffff} << shift)) | (uint64_t{value} << shift);
}

QueueSettings TransportState::queue(uint16_t index) const {
    std::lock_guard lock(mutex_);
    return queues_[index];
}

bool TransportState::queue_configurable(uint16_t index) const {
    return index < queues_.size() && !queues_[index].enabled && (status() & kStatusDriverOk) == 0;
}

// virtio 1.2 4.1.4.3.2: the driver enables a queue once it is configured, and never writes
// 0 to queue_enable (without VIRTIO_F_RING_RESET, which vireo does not offer).
void TransportState::enable_queue(uint16_t index) {
    std::lock_guard lock(mutex_);
    if (queue_configurable(index))
        queues_[index].enabled = true;
}

void TransportState::write_status(uint8_t value) {
    std::lock_guard lock(mutex_);
    if (value == 0) {
        reset();
        return;
    }
    uint8_t const current = status();
    // virtio 1.2 2.1.1: the driver never clears a status bit; such a write is ignored.
    if ((current & kDriverStatusBits & ~value) != 0) {
        VIREO_TRACE(Virtio, "{}: status {:#x} -> {:#x} clears bits; ignored", device_.name(),
                    current, value);
        return;
    }
    uint8_t const added = value & kDriverStatusBits & ~current;
    status_.fetch_or(added & ~(kStatusFeaturesOk | kStatusDriverOk), std::memory_order_acq_rel);
    if ((added & kStatusFeaturesOk) != 0)
        set_features_ok();
    if ((added & kStatusDriverOk) != 0)
        activate();
    VIREO_TRACE(Virtio, "{}: status {:#x}", device_.name(), status());
}

// virtio 1.2 2.2.1: the driver accepts only offered features. This transport is modern
// only, so it also refuses a driver that does not accept VIRTIO_F_VERSION_1.
bool TransportState::features_acceptable(uint64_t features) const {
    if ((features & ~offered_) != 0 || (features & kFeatureVersion1) == 0)
        return false;
    return device_.accept_features(features);
}

// virtio 1.2 2.2.2: a device that cannot work with the accepted features leaves
// FEATURES_OK clear, and the driver reads the status back to find out.
void TransportState::set_features_ok() {
    if (!features_acceptable(driver_features_)) {
        VIREO_TRACE(Virtio, "{}: refusing features {:#x} (offered {:#x})", device_.name(),
                    driver_features_, offered_);
        return;
    }
    status_.fetch_or(kStatusFeaturesOk, std::memory_order_acq_rel);
}

// DRIVER_OK: the queues the driver enabled become live and the device starts on them.
// Whatever is wrong with the driver's set-up makes the device DEVICE_NEEDS_RESET.
void TransportState::activate() {
    status_.fetch_or(kStatusDriverOk, std::memory_order_acq_rel);
    if ((status() & kStatusFeaturesOk) == 0) {
        needs_reset("DRIVER_OK without FEATURES_OK");
        return;
    }
    if (auto built = build_queues(); !built) {
        needs_reset(built.error().message());
        return;
    }
    std::vector<Virtqueue*> queues;
    for (auto const& queue : live_queues_)
        queues.push_back(queue.get());
    auto activated = device_.activate(Activation{driver_features_, queues, &memory_});
    if (!activated) {
        needs_reset(activated.error().message());
        return;
    }
    activated_ = true;
    // Buffers the driver made available before DRIVER_OK are looked at now.
    for (size_t index = 0; index < live_queues_.size(); ++index) {
        if (live_queues_[index])
            kick(static_cast<uint16_t>(index));
    }
}

Result<void> TransportState::build_queues() {
    live_queues_.clear();
    live_queues_.resize(queues_.size());
    for (size_t slot = 0; slot < queues_.size(); ++slot) {
        auto const index = static_cast<uint16_t>(slot);
        QueueSettings const& settings = queues_[index];
        if (!settings.enabled)
            continue;
        if (settings.size > settings.max_size)
            return make_error("queue {}: size {} is above the maximum {}", index, settings.size,
                              settings.max_size);
        QueueLayout const layout{index, settings.size, settings.desc, settings.driver,
                                 settings.device};
        live_queues_[index] =
            TRY(Virtqueue::create(memory_, layout, driver_features_, *this, kicks_[index].get()));
    }
    return {};
}

// virtio 1.2 2.4.1: after a reset the device uses no queue and sends no notification; the
// driver sees status 0 once that holds, which is when this returns.
void TransportState::reset() {
    if (activated_)
        device_.reset();
    activated_ = false;
    live_queues_.clear();
    for (auto& queue : queues_)
        queue = QueueSettings{queue.max_size, queue.max_size};
    for (auto const& kick_fd : kicks_) {
        uint64_t count = 0;
        [[maybe_unused]] auto drained = ::read(kick_fd.get(), &count, sizeof(count));
    }
    driver_features_ = 0;
    status_.store(0, std::memory_order_release);
    VIREO_TRACE(Virtio, "{}: reset", device_.name());
}

void TransportState::notify(uint16_t index) {
    if (index >= kicks_.size() || (status() & kStatusDriverOk) == 0)
        return;
    kick(index);
}

void TransportState::kick(uint16_t index) const {
    uint64_t const one = 1;
    [[maybe_unused]] auto written = ::write(kicks_[index].get(), &one, sizeof(one));
}

// virtio 1.2 4.1.4.3.1: config_generation changes when the driver could otherwise read a
// mix of old and new values. A change only marks the configuration; the next read of it
// moves the generation, so 256 quick changes cannot wrap it back to what the driver saw.
void TransportState::read_device_config(uint32_t offset, std::span<uint8_t> data) {
    if (config_dirty_.exchange(false, std::memory_order_acq_rel))
        generation_.fetch_add(1, std::memory_order_acq_rel);
    device_.read_config(offset, data);
}

void TransportState::write_device_config(uint32_t offset, std::span<uint8_t const> data) {
    device_.write_config(offset, data);
}

void TransportState::config_changed() {
    config_dirty_.store(true, std::memory_order_release);
    interrupts_.config_interrupt();
}

// virtio 1.2 2.1.2: with DRIVER_OK set, DEVICE_NEEDS_RESET comes with a configuration
// change notification.
void TransportState::needs_reset(std::string const& reason) {
    uint8_t const before = status_.fetch_or(kStatusNeedsReset, std::memory_order_acq_rel);
    VIREO_TRACE(Virtio, "{}: needs reset: {}", device_.name(), reason);
    // One line on stderr per device, so that a guest cannot flood it by breaking and
    // resetting the device in a loop.
    if (!warned_.exchange(true, std::memory_order_relaxed))
        log_warn("virtio-{}: stopped until the guest resets it: {}", device_.name(), reason);
    if ((before & kStatusNeedsReset) == 0 && (before & kStatusDriverOk) != 0)
        interrupts_.config_interrupt();
}

void TransportState::queue_interrupt(uint16_t index) {
    interrupts_.queue_interrupt(index);
}

void TransportState::queue_error(uint16_t index, std::string const& reason) {
    needs_reset(fmt::format("queue {}: {}", index, reason));
}

} // namespace vireo::virtio
