// The common configuration structure of a virtio-pci function (virtio 1.2 4.1.4.3): register
// decoding onto TransportState.
#include "base/trace.h"
#include "bus/bus_device.h"
#include "devices/virtio/pci_layout.h"
#include "devices/virtio/virtio_pci.h"

namespace vireo::virtio {

namespace common = pci_layout::common;

namespace {

// The width of the field at `offset`, 0 between fields.
unsigned field_width(uint64_t offset) {
    switch (offset) {
    case common::kDeviceFeatureSelect:
    case common::kDeviceFeature:
    case common::kDriverFeatureSelect:
    case common::kDriverFeature:
        return 4;
    case common::kDeviceStatus:
    case common::kConfigGeneration:
        return 1;
    case common::kQueueDesc:
    case common::kQueueDriver:
    case common::kQueueDevice:
        return 8;
    default:
        return offset < common::kSize && offset % 2 == 0 ? 2 : 0;
    }
}

bool is_address_field(uint64_t field) {
    return field == common::kQueueDesc || field == common::kQueueDriver ||
           field == common::kQueueDevice;
}

// virtio 1.2 4.1.3.1: the driver accesses each field with its natural width; a 64-bit field
// may also be accessed as two 32-bit halves. Returns the field's offset, or nullopt for any
// other access, which vireo ignores.
std::optional<uint64_t> decode(uint64_t offset, size_t size) {
    if (field_width(offset) == size)
        return offset;
    if (size == 4 && offset >= 4 && is_address_field(offset - 4))
        return offset - 4;
    if (size == 4 && is_address_field(offset))
        return offset;
    return std::nullopt;
}

uint32_t feature_word(uint64_t features, uint32_t select) {
    return select < 2 ? static_cast<uint32_t>(features >> (32 * select)) : 0;
}

} // namespace

void VirtioPciDevice::read_common(uint64_t offset, std::span<uint8_t> data) {
    auto const field = decode(offset, data.size());
    if (!field) {
        VIREO_TRACE(Virtio, "{}: ignoring a {}-byte read at common {:#x}", name_, data.size(),
                    offset);
        return;
    }
    uint64_t value = 0;
    switch (*field) {
    case common::kDeviceFeatureSelect:
        value = device_feature_select_.load();
        break;
    case common::kDeviceFeature:
        value = feature_word(state_->offered_features(), device_feature_select_.load());
        break;
    case common::kDriverFeatureSelect:
        value = driver_feature_select_.load();
        break;
    case common::kDriverFeature:
        value = feature_word(state_->driver_features(), driver_feature_select_.load());
        break;
    case common::kConfigMsixVector:
        value = config_vector_.load();
        break;
    case common::kNumQueues:
        value = state_->queue_count();
        break;
    case common::kDeviceStatus:
        value = state_->status();
        break;
    case common::kConfigGeneration:
        value = state_->config_generation();
        break;
    case common::kQueueSelect:
        value = queue_select_.load();
        break;
    default:
        value = read_queue_field(*field, queue_select_.load());
        break;
    }
    store_le(data, value >> (8 * (offset - *field)));
}

uint64_t VirtioPciDevice::read_queue_field(uint64_t field, uint16_t select) {
    // virtio 1.2 4.1.4.3.1: a queue that does not exist has size 0 and reads as zeros.
    if (select >= state_->queue_count())
        return field == common::kQueueMsixVector ? kNoVector : 0;
    QueueSettings const queue = state_->queue(select);
    switch (field) {
    case common::kQueueSize:
        return queue.size;
    case common::kQueueMsixVector:
        return queue_vectors_[select].load();
    case common::kQueueEnable:
        return queue.enabled ? 1 : 0;
    case common::kQueueNotifyOff:
    case common::kQueueNotifyData:
        return select; // notification address = cap.offset + select * multiplier
    case common::kQueueDesc:
        return queue.desc;
    case common::kQueueDriver:
        return queue.driver;
    case common::kQueueDevice:
        return queue.device;
    default:
        return 0; // queue_reset: VIRTIO_F_RING_RESET is not offered
    }
}

void VirtioPciDevice::write_common(uint64_t offset, std::span<uint8_t const> data) {
    auto const field = decode(offset, data.size());
    if (!field) {
        VIREO_TRACE(Virtio, "{}: ignoring a {}-byte write at common {:#x}", name_, data.size(),
                    offset);
        return;
    }
    uint64_t const value = load_le(data);
    switch (*field) {
    case common::kDeviceFeatureSelect:
        device_feature_select_.store(static_cast<uint32_t>(value));
        break;
    case common::kDriverFeatureSelect:
        driver_feature_select_.store(static_cast<uint32_t>(value));
        break;
    case common::kDriverFeature:
        state_->write_driver_features(driver_feature_select_.load(), static_cast<uint32_t>(value));
        break;
    case common::kConfigMsixVector:
        config_vector_.store(checked_vector(static_cast<uint16_t>(value)));
        break;
    case common::kDeviceStatus:
        write_status(static_cast<uint8_t>(value));
        break;
    case common::kQueueSelect:
        queue_select_.store(static_cast<uint16_t>(value));
        break;
    default:
        write_queue_field(*field, offset - *field, data.size(), value, queue_select_.load());
        break;
    }
}

void VirtioPciDevice::write_queue_field(uint64_t field, uint64_t offset_in_field, size_t size,
                                        uint64_t value, uint16_t select) {
    if (select >= state_->queue_count())
        return;
    // A 32-bit half of an address replaces those 32 bits only.
    auto merge = [&](uint64_t old_value) {
        if (size == sizeof(uint64_t))
            return value;
        unsigned const shift = 8 * static_cast<unsigned>(offset_in_field);
        return (old_value & ~(uint64_t{0xffffffff} << shift)) | (value << shift);
    };
    switch (field) {
    case common::kQueueSize:
        state_->configure_queue(
            select, [&](QueueSettings& queue) { queue.size = static_cast<uint16_t>(value); });
        break;
    case common::kQueueMsixVector:
        queue_vectors_[select].store(checked_vector(static_cast<uint16_t>(value)));
        break;
    case common::kQueueEnable:
        if (value == 1)
            state_->enable_queue(select);
        break;
    case common::kQueueDesc:
        state_->configure_queue(select,
                                [&](QueueSettings& queue) { queue.desc = merge(queue.desc); });
        break;
    case common::kQueueDriver:
        state_->configure_queue(select,
                                [&](QueueSettings& queue) { queue.driver = merge(queue.driver); });
        break;
    case common::kQueueDevice:
        state_->configure_queue(select,
                                [&](QueueSettings& queue) { queue.device = merge(queue.device); });
        break;
    default:
        break; // read-only fields
    }
}

// virtio 1.2 4.1.5.1.2: a vector outside the MSI-X table cannot be mapped; the field then
// reads NO_VECTOR, which is how the driver learns of the failure.
uint16_t VirtioPciDevice::checked_vector(uint16_t vector) const {
    return vector < vector_count_ ? vector : kNoVector;
}

// A reset also unmaps every vector and clears the ISR (virtio 1.2 4.1.5.1.2: all events are
// unmapped on reset).
void VirtioPciDevice::write_status(uint8_t value) {
    state_->write_status(value);
    if (value != 0)
        return;
    config_vector_.store(kNoVector);
    for (uint16_t index = 0; index < state_->queue_count(); ++index)
        queue_vectors_[index].store(kNoVector);
    read_isr();
}

} // namespace vireo::virtio
