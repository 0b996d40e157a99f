// A network back end: where a virtio-net device's frames go and where the guest's incoming
// frames come from (libslirp's user-mode stack, a host tap interface). A back end lives on
// one thread, its NetThread: every call below is made there, and it calls its FrameSink
// there, so back ends that are not thread-safe (libslirp) need no locks.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "net/net_header.h"

namespace vireo::net {

class PollSet;

// Receives frames for the guest (the device's receive side).
class FrameSink {
public:
    virtual ~FrameSink() = default;
    // A frame for the guest. The header says what the back end vouches for (DATA_VALID) or
    // left undone (NEEDS_CSUM, GSO), within the offloads the guest accepted.
    virtual void receive(NetHeader const& header, std::span<uint8_t const> frame) = 0;
    // Whether more frames are welcome now. A back end that can wait (a socket, a tap queue)
    // stops reading while the answer is no, instead of making the device drop frames.
    virtual bool can_receive() const = 0;
};

// Offloads on the way from the guest: work a back end accepts to do (or not to need) on
// frames the guest sends, which the device may then offer to the driver.
struct HostOffloads {
    bool checksum = false; // VIRTIO_NET_F_CSUM: frames may leave NEEDS_CSUM
    bool tcp4 = false;     // VIRTIO_NET_F_HOST_TSO4: TCP/IPv4 super-packets
    bool tcp6 = false;     // VIRTIO_NET_F_HOST_TSO6
    bool ecn = false;      // VIRTIO_NET_F_HOST_ECN: super-packets with CWR set
};

// Offloads on the way to the guest that the driver accepted (virtio 1.2 5.1.3).
struct GuestOffloads {
    bool checksum = false; // VIRTIO_NET_F_GUEST_CSUM: partial checksums, DATA_VALID
};

class Backend {
public:
    virtual ~Backend() = default;
    [[nodiscard]] virtual std::string_view name() const = 0;
    [[nodiscard]] virtual HostOffloads host_offloads() const = 0;
    // The largest IP packet the back end takes from the guest and sends to it, which the
    // device offers the guest as its MTU. Ethernet's payload (IEEE 802.3 3.2.7) by default.
    [[nodiscard]] virtual uint16_t mtu() const { return kEthernetMtu; }

    // Where received frames go; set once, before the back end's thread starts.
    void attach(FrameSink& sink) { sink_ = &sink; }
    // The driver accepted `offloads` (a new negotiation after each device reset).
    virtual void set_guest_offloads(GuestOffloads offloads) { (void)offloads; }

    // One round of the NetThread: add the descriptors to wait on and lower `timeout_ms`
    // (-1: no limit) to the next timer; then, after poll(), handle what happened.
    virtual void prepare(PollSet& set, int& timeout_ms) = 0;
    virtual void dispatch(PollSet const& set) = 0;

    // A frame from the guest. `frame` is the device's copy: the back end may change it in
    // place (to complete a checksum). The header has been checked against host_offloads().
    virtual void send(NetHeader const& header, std::span<uint8_t> frame) = 0;

protected:
    [[nodiscard]] FrameSink* sink() const { return sink_; }

private:
    FrameSink* sink_ = nullptr;
};

} // namespace vireo::net
