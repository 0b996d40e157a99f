#include "devices/virtio/console/console_control.h"

#include <algorithm>
#include <cstring>

namespace vireo::virtio::console {

std::optional<uint32_t> queue_port(uint16_t queue) {
    if (queue == kControlReceiveQueue || queue == kControlTransmitQueue)
        return std::nullopt;
    return queue < kControlReceiveQueue ? 0U : (queue - 2U) / 2U;
}

// Little-endian fields (virtio 1.2 1.4); vireo runs on x86-64 hosts only.
std::optional<ControlMessage> parse_control(std::span<uint8_t const> bytes) {
    if (bytes.size() < kControlHeaderSize)
        return std::nullopt;
    ControlMessage message;
    uint16_t event = 0;
    std::memcpy(&message.id, bytes.data(), 4);
    std::memcpy(&event, bytes.data() + 4, 2);
    std::memcpy(&message.value, bytes.data() + 6, 2);
    message.event = static_cast<ControlEvent>(event);
    return message;
}

std::vector<uint8_t> encode_control(ControlMessage const& message, std::string_view name) {
    std::vector<uint8_t> bytes(kControlHeaderSize + name.size());
    auto const event = static_cast<uint16_t>(message.event);
    std::memcpy(bytes.data(), &message.id, 4);
    std::memcpy(bytes.data() + 4, &event, 2);
    std::memcpy(bytes.data() + 6, &message.value, 2);
    std::copy(name.begin(), name.end(), bytes.begin() + kControlHeaderSize);
    return bytes;
}

} // namespace vireo::virtio::console
