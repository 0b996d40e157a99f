// The virtio-console device's layout and its multiport control protocol (virtio 1.2 5.3):
// feature bits, the configuration structure, queue numbering, and the control messages that
// travel on the control queues.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace vireo::virtio::console {

// Feature bits (virtio 1.2 5.3.3).
inline constexpr uint64_t kFeatureSize = uint64_t{1} << 0;
inline constexpr uint64_t kFeatureMultiport = uint64_t{1} << 1;
inline constexpr uint64_t kFeatureEmergWrite = uint64_t{1} << 2;

// struct virtio_console_config (virtio 1.2 5.3.4): le16 cols, le16 rows, le32 max_nr_ports,
// le32 emerg_wr.
inline constexpr uint32_t kConfigCols = 0;
inline constexpr uint32_t kConfigRows = 2;
inline constexpr uint32_t kConfigMaxPorts = 4;
inline constexpr uint32_t kConfigEmergWrite = 8;
inline constexpr uint32_t kConfigSize = 12;

// Queue numbering (virtio 1.2 5.3.2): port 0's receiveq and transmitq, then the control
// receiveq and transmitq, then a receiveq and transmitq for each further port.
inline constexpr uint16_t kControlReceiveQueue = 2;
inline constexpr uint16_t kControlTransmitQueue = 3;
inline constexpr uint16_t receive_queue(uint32_t port) {
    return static_cast<uint16_t>(port == 0 ? 0 : 2 + 2 * port);
}
inline constexpr uint16_t transmit_queue(uint32_t port) {
    return static_cast<uint16_t>(receive_queue(port) + 1);
}
inline constexpr uint16_t queue_count(uint32_t max_ports) {
    return static_cast<uint16_t>(2 + 2 * max_ports);
}
// The port a data queue belongs to, or nothing for the control queues.
std::optional<uint32_t> queue_port(uint16_t queue);

// Control message events (virtio 1.2 5.3.6.2, struct virtio_console_control).
enum class ControlEvent : uint16_t {
    DeviceReady = 0,
    DeviceAdd = 1,
    DeviceRemove = 2,
    PortReady = 3,
    ConsolePort = 4,
    Resize = 5,
    PortOpen = 6,
    PortName = 7,
};

// struct virtio_console_control: le32 id, le16 event, le16 value. PORT_NAME carries the name
// in the bytes that follow, without a terminating NUL (virtio 1.2 5.3.6.2).
struct ControlMessage {
    uint32_t id = 0;
    ControlEvent event = ControlEvent::DeviceReady;
    uint16_t value = 0;
};
inline constexpr size_t kControlHeaderSize = 8;

// Nothing if `bytes` is shorter than the header; the event is not checked.
std::optional<ControlMessage> parse_control(std::span<uint8_t const> bytes);
std::vector<uint8_t> encode_control(ControlMessage const& message, std::string_view name = {});

} // namespace vireo::virtio::console
