// Puts frames for the guest into the receive queue's buffers (virtio 1.2 5.1.6.3, 5.1.6.4).
// Without VIRTIO_NET_F_MRG_RXBUF a frame and its header go into one descriptor chain; with
// it, into as many chains as it takes, the header's num_buffers saying how many, every chain
// but the last filled to its end.
//
// Chains the frame at hand cannot use yet (too few for its size) stay here, in queue order,
// until more arrive: the queue has no way to give a chain back.
#pragma once

#include <cstdint>
#include <deque>
#include <span>

#include "devices/virtio/descriptor_chain.h"
#include "net/net_header.h"

namespace vireo::virtio {

class Virtqueue;

class RxBuffers {
public:
    enum class Mode { Single, Mergeable };
    enum class Outcome {
        Placed,    // the frame is in the used ring
        NoBuffers, // not enough buffers yet: try again when the driver adds some
        Dropped,   // the frame can never fit in what the driver offers
    };

    explicit RxBuffers(Mode mode = Mode::Single)
        : mode_(mode) {}

    // Places `header` (num_buffers is filled in here) and `frame`; frame.size() is at most
    // net::kMaxFrameSize. The driver is not interrupted: the caller decides when.
    Outcome place(Virtqueue& queue, net::NetHeader header, std::span<uint8_t const> frame);
    // Forgets held chains without using them (the queue is being reset).
    void clear() { held_.clear(); }
    [[nodiscard]] size_t held() const { return held_.size(); }

private:
    Outcome place_single(Virtqueue& queue, net::NetHeader header, std::span<uint8_t const> frame);
    Outcome place_merged(Virtqueue& queue, net::NetHeader header, std::span<uint8_t const> frame);
    // Pops the next chain worth holding; chains too small for a header are given back empty.
    bool take_chain(Virtqueue& queue);
    static void write_frame(DescriptorChain const& chain, net::NetHeader const& header,
                            std::span<uint8_t const> frame, uint64_t frame_offset, uint64_t length);

    Mode mode_;
    std::deque<DescriptorChain> held_;
};

} // namespace vireo::virtio
