// One named port of a virtio-console device, bridged to a host unix socket: the socket
// listens at the port's path and serves one client at a time; bytes flow both ways between
// that client and the port's receiveq and transmitq.
//
// Flow control, both ways, without dropping: the client's bytes are read only into receive
// buffers the guest has made available, and only while the guest has the port open (Linux
// discards what arrives for a closed port); a transmit buffer the client cannot take yet is
// held, and no further one is taken, until the socket drains. What the guest writes while no
// client is connected is discarded, as a serial line without a listener would.
//
// Threads: every method runs under the device's mutex (loop callbacks and vCPU threads).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "devices/virtio/console/unix_socket.h"
#include "devices/virtio/descriptor_chain.h"

namespace vireo::virtio {

class Virtqueue;

class ConsolePort {
public:
    // What a port tells its device.
    class Events {
    public:
        virtual ~Events() = default;
        // A host client connected, or the connected one went away.
        virtual void host_connection_changed(ConsolePort& port) = 0;
    };

    ConsolePort(uint32_t id, std::string name, UnixListener listener, Events& events);

    // Starts accepting clients; the callbacks (run by the loop) must call on_listener() and
    // on_client() on this port.
    void start(EventLoop* loop, EventLoop::Callback listener_callback,
               EventLoop::Callback client_callback);

    uint32_t id() const { return id_; }
    std::string const& name() const { return name_; }
    bool host_connected() const { return client_.valid(); }
    bool guest_open() const { return guest_open_; }

    // The driver set DRIVER_OK with these queues (either may be null) or reset the device
    // (both null): chains held from old queues are forgotten, not returned.
    void attach(Virtqueue* receive, Virtqueue* transmit);
    // PORT_OPEN from the guest: a program opened or closed the port.
    void set_guest_open(bool open);

    void on_receive_kick();
    void on_transmit_kick();
    void on_listener();
    void on_client(uint32_t events);

private:
    void accept_client();
    void disconnect();
    void receive();
    void transmit();
    bool flush_pending();
    void complete_pending();
    void hang_up(uint32_t events);
    bool can_receive() const;
    void update_watches();

    uint32_t const id_;
    std::string const name_;
    UnixListener listener_;
    Events& events_;
    SocketWatch listener_watch_;
    EventLoop* loop_ = nullptr;
    EventLoop::Callback client_callback_;

    Virtqueue* receive_queue_ = nullptr;
    Virtqueue* transmit_queue_ = nullptr;
    bool guest_open_ = false;
    std::deque<DescriptorChain> receive_buffers_; // popped, waiting for the client's bytes
    std::optional<DescriptorChain> pending_;      // a transmit chain the client has not taken
    uint64_t pending_offset_ = 0;

    UniqueFd client_;
    SocketWatch client_watch_;
    bool client_shut_ = false; // the client will send nothing more (it may still read)
    bool client_gone_ = false; // the client closed: only its unread bytes remain
    bool input_ended_ = false; // everything the client sent has been read
};

} // namespace vireo::virtio
