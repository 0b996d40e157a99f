// The virtio console device with named ports (virtio 1.2 5.3, VIRTIO_CONSOLE_F_MULTIPORT):
// `vireo run --console-port NAME=socket=PATH`. Each port is bridged to a unix socket that
// listens at PATH (ConsolePort); the guest finds the port by its name, which its udev rules
// turn into /dev/virtio-ports/NAME. The QEMU guest agent uses the port named
// org.qemu.guest_agent.0.
//
// Port 0 stays unused, as in QEMU: Linux treats port 0 as a console when it exists, and the
// serial console is the UART. The named ports are 1 to N.
//
// Control protocol (virtio 1.2 5.3.6.2): the driver says DEVICE_READY; the device announces
// each port with DEVICE_ADD; the driver answers PORT_READY; the device gives the port's name
// (PORT_NAME) and, while a host client is connected, PORT_OPEN 1. PORT_OPEN from the driver
// says whether a guest program has the port open. Every queue is served on the VMM's event
// loop thread.
#pragma once

#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.h"
#include "devices/virtio/console/console_control.h"
#include "devices/virtio/console/console_port.h"
#include "devices/virtio/virtio_device.h"

namespace vireo {
class EventLoop;
}

namespace vireo::virtio {

class VirtioConsole final : public VirtioDevice,
                            public std::enable_shared_from_this<VirtioConsole>,
                            private ConsolePort::Events {
public:
    struct PortSpec {
        std::string name;
        std::string socket_path;
    };

    static constexpr uint16_t kQueueSize = 128;
    // Linux reads a port's name from one control buffer of a page (virtio_console.c).
    static constexpr size_t kMaxNameBytes = 255;

    // Creates each port's listening socket; fails with one line if a name is empty, too long
    // or repeated, or a socket path is unusable. `loop` serves the queues and sockets; with
    // nullptr nothing does and whoever drives the device calls process_queue().
    static Result<std::shared_ptr<VirtioConsole>> create(EventLoop* loop,
                                                         std::vector<PortSpec> const& ports);

    DeviceType type() const override { return DeviceType::Console; }
    std::string_view name() const override { return "console"; }
    uint64_t features() const override { return console::kFeatureMultiport; }
    std::vector<uint16_t> queue_sizes() const override;
    uint32_t config_size() const override { return console::kConfigSize; }
    void read_config(uint32_t offset, std::span<uint8_t> data) override;
    Result<void> activate(Activation const& activation) override;
    void reset() override;

    // Serves queue `index` as a notification would.
    void process_queue(uint16_t index);
    // The port with guest-visible id `id` (1 to N), for tests.
    ConsolePort const* port(uint32_t id) const;

private:
    explicit VirtioConsole(EventLoop* loop);
    void start_ports();
    void on_kick(uint16_t index);
    void serve_control();
    void handle_control(console::ControlMessage const& message);
    void port_ready(ConsolePort& port);
    void send_control(console::ControlMessage const& message, std::string_view name = {});
    void flush_control();
    void host_connection_changed(ConsolePort& port) override;
    ConsolePort* find_port(uint32_t id);

    EventLoop* loop_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<ConsolePort>> ports_; // ports_[i] has id i + 1
    std::vector<Virtqueue*> queues_;                  // while active
    std::vector<bool> port_ready_;                    // PORT_READY seen, by port id - 1
    bool announced_ = false;                          // DEVICE_ADD sent for every port
    std::deque<std::vector<uint8_t>> control_out_;    // waiting for control receive buffers
};

} // namespace vireo::virtio
