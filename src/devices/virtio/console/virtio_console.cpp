#include "devices/virtio/console/virtio_console.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <set>

#include "base/event_loop.h"
#include "base/trace.h"
#include "devices/virtio/kick_watch.h"

namespace vireo::virtio {

using console::ControlEvent;
using console::ControlMessage;

namespace {

Result<void> check_names(std::vector<VirtioConsole::PortSpec> const& ports) {
    std::set<std::string> names;
    std::set<std::string> paths;
    for (auto const& port : ports) {
        if (port.name.empty() || port.name.size() > VirtioConsole::kMaxNameBytes)
            return make_error("--console-port: a port name has 1 to {} bytes",
                              VirtioConsole::kMaxNameBytes);
        if (!names.insert(port.name).second)
            return make_error("--console-port {}: the name is given twice", port.name);
        // Otherwise the second listener would find the first one's socket in use.
        if (!paths.insert(port.socket_path).second)
            return make_error("--console-port {}: socket {} is given to another port too",
                              port.name, port.socket_path);
    }
    return {};
}

} // namespace

Result<std::shared_ptr<VirtioConsole>> VirtioConsole::create(EventLoop* loop,
                                                             std::vector<PortSpec> const& ports) {
    TRY(check_names(ports));
    std::shared_ptr<VirtioConsole> device(new VirtioConsole(loop));
    for (auto const& spec : ports) {
        auto listener = TRY(
            UnixListener::create(spec.socket_path, fmt::format("--console-port {}", spec.name)));
        auto const id = static_cast<uint32_t>(device->ports_.size() + 1);
        ConsolePort::Events& events = *device;
        device->ports_.push_back(
            std::make_unique<ConsolePort>(id, spec.name, std::move(listener), events));
    }
    device->port_ready_.assign(ports.size(), false);
    device->start_ports();
    return device;
}

VirtioConsole::VirtioConsole(EventLoop* loop)
    : loop_(loop) {}

void VirtioConsole::start_ports() {
    std::lock_guard lock(mutex_);
    std::weak_ptr<VirtioConsole> const weak = weak_from_this();
    for (size_t i = 0; i < ports_.size(); ++i) {
        ports_[i]->start(
            loop_,
            guarded<VirtioConsole>(
                weak, mutex_,
                [i](VirtioConsole& self, uint32_t) { self.ports_[i]->on_listener(); }),
            guarded<VirtioConsole>(weak, mutex_, [i](VirtioConsole& self, uint32_t events) {
                self.ports_[i]->on_client(events);
            }));
    }
}

std::vector<uint16_t> VirtioConsole::queue_sizes() const {
    auto const max_ports = static_cast<uint32_t>(ports_.size() + 1);
    return std::vector<uint16_t>(console::queue_count(max_ports), kQueueSize);
}

// No console size (VIRTIO_CONSOLE_F_SIZE is not offered) and no emergency write.
void VirtioConsole::read_config(uint32_t offset, std::span<uint8_t> data) {
    std::array<uint8_t, console::kConfigSize> config{};
    auto const max_ports = static_cast<uint32_t>(ports_.size() + 1);
    std::memcpy(config.data() + console::kConfigMaxPorts, &max_ports, sizeof(max_ports));
    for (size_t i = 0; i < data.size(); ++i)
        data[i] = offset + i < config.size() ? config[offset + i] : 0;
}

Result<void> VirtioConsole::activate(Activation const& activation) {
    std::lock_guard lock(mutex_);
    queues_.assign(activation.queues.begin(), activation.queues.end());
    queues_.resize(queue_sizes().size(), nullptr);
    std::fill(port_ready_.begin(), port_ready_.end(), false);
    announced_ = false;
    control_out_.clear();
    if (loop_ != nullptr) {
        std::weak_ptr<VirtioConsole> const weak = weak_from_this();
        auto watched = watch_kicks(*loop_, queues_, [&](uint16_t index) {
            return guarded<VirtioConsole>(
                weak, mutex_, [index](VirtioConsole& self, uint32_t) { self.on_kick(index); });
        });
        if (!watched) {
            queues_.clear();
            return watched;
        }
    }
    for (auto& port : ports_) {
        port->attach(queues_[console::receive_queue(port->id())],
                     queues_[console::transmit_queue(port->id())]);
    }
    return {};
}

void VirtioConsole::reset() {
    std::lock_guard lock(mutex_);
    if (loop_ != nullptr)
        unwatch_kicks(*loop_, queues_);
    queues_.clear();
    control_out_.clear();
    std::fill(port_ready_.begin(), port_ready_.end(), false);
    announced_ = false;
    // Host clients stay connected across a reset; the driver hears of them again once it
    // has set the ports up anew.
    for (auto& port : ports_)
        port->attach(nullptr, nullptr);
}

void VirtioConsole::process_queue(uint16_t index) {
    std::lock_guard lock(mutex_);
    on_kick(index);
}

ConsolePort const* VirtioConsole::port(uint32_t id) const {
    return id >= 1 && id <= ports_.size() ? ports_[id - 1].get() : nullptr;
}

ConsolePort* VirtioConsole::find_port(uint32_t id) {
    return id >= 1 && id <= ports_.size() ? ports_[id - 1].get() : nullptr;
}

void VirtioConsole::on_kick(uint16_t index) {
    if (index >= queues_.size() || queues_[index] == nullptr)
        return;
    queues_[index]->consume_kick();
    if (index == console::kControlTransmitQueue)
        return serve_control();
    if (index == console::kControlReceiveQueue)
        return flush_control();
    auto* port = find_port(*console::queue_port(index));
    if (port == nullptr) {
        // Port 0 is never announced: what a driver sends there has nowhere to go.
        if (index == console::transmit_queue(0)) {
            while (auto chain = queues_[index]->pop())
                queues_[index]->push_used(*chain, 0);
            queues_[index]->notify_if_needed();
        }
        return;
    }
    if (index == console::receive_queue(port->id()))
        port->on_receive_kick();
    else
        port->on_transmit_kick();
}

// Control messages from the driver: the header, then bytes the device does not need (no
// message the driver sends carries any, virtio 1.2 5.3.6.2).
void VirtioConsole::serve_control() {
    auto* queue = queues_[console::kControlTransmitQueue];
    while (auto chain = queue->pop()) {
        std::array<uint8_t, console::kControlHeaderSize> bytes{};
        size_t const got = chain->read(0, bytes);
        queue->push_used(*chain, 0);
        if (auto message = console::parse_control(std::span(bytes.data(), got)))
            handle_control(*message);
        else
            VIREO_TRACE(Virtio, "console: control message of {} bytes ignored", got);
    }
    queue->notify_if_needed();
}

void VirtioConsole::handle_control(ControlMessage const& message) {
    VIREO_TRACE(Virtio, "console: driver says event {} for port {}, value {}",
                static_cast<uint16_t>(message.event), message.id, message.value);
    auto* port = find_port(message.id);
    switch (message.event) {
    case ControlEvent::DeviceReady:
        // Once per activation: Linux refuses a port it was told about before.
        if (message.value == 1 && !announced_) {
            announced_ = true;
            for (auto const& each : ports_)
                send_control({each->id(), ControlEvent::DeviceAdd, 0});
        }
        return;
    case ControlEvent::PortReady:
        if (port != nullptr && message.value == 1 && !port_ready_[port->id() - 1])
            port_ready(*port);
        return;
    case ControlEvent::PortOpen:
        if (port != nullptr)
            port->set_guest_open(message.value != 0);
        return;
    default:
        return; // not a message a driver sends
    }
}

void VirtioConsole::port_ready(ConsolePort& port) {
    port_ready_[port.id() - 1] = true;
    send_control({port.id(), ControlEvent::PortName, 1}, port.name());
    if (port.host_connected())
        send_control({port.id(), ControlEvent::PortOpen, 1});
}

void VirtioConsole::host_connection_changed(ConsolePort& port) {
    if (queues_.empty() || !port_ready_[port.id() - 1])
        return;
    send_control(
        {port.id(), ControlEvent::PortOpen, port.host_connected() ? uint16_t{1} : uint16_t{0}});
}

// A PORT_OPEN still waiting is updated in place, so clients that come and go while the
// driver offers no control buffers cannot grow the backlog.
void VirtioConsole::send_control(ControlMessage const& message, std::string_view name) {
    if (message.event == ControlEvent::PortOpen) {
        for (auto& waiting : control_out_) {
            auto const parsed = console::parse_control(waiting);
            if (parsed && parsed->event == ControlEvent::PortOpen && parsed->id == message.id) {
                waiting = console::encode_control(message);
                return flush_control();
            }
        }
    }
    control_out_.push_back(console::encode_control(message, name));
    flush_control();
}

void VirtioConsole::flush_control() {
    auto* queue = queues_.size() > console::kControlReceiveQueue
                      ? queues_[console::kControlReceiveQueue]
                      : nullptr;
    if (queue == nullptr)
        return;
    bool sent = false;
    while (!control_out_.empty()) {
        auto chain = queue->pop();
        if (!chain)
            break;
        auto const written = chain->write(0, control_out_.front());
        queue->push_used(*chain, static_cast<uint32_t>(written));
        control_out_.pop_front();
        sent = true;
    }
    if (sent)
        queue->notify_if_needed();
}

} // namespace vireo::virtio
