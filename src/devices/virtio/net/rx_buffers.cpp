#include "devices/virtio/net/rx_buffers.h"

#include <algorithm>
#include <vector>

#include "base/trace.h"
#include "devices/virtio/virtqueue.h"

namespace vireo::virtio {

using net::kNetHeaderSize;
using net::NetHeader;

RxBuffers::Outcome RxBuffers::place(Virtqueue& queue, NetHeader header,
                                    std::span<uint8_t const> frame) {
    return mode_ == Mode::Mergeable ? place_merged(queue, header, frame)
                                    : place_single(queue, header, frame);
}

bool RxBuffers::take_chain(Virtqueue& queue) {
    while (auto chain = queue.pop()) {
        // Every receive buffer must hold at least the header (virtio 1.2 5.1.6.3.1 asks for
        // far more). One that cannot is of no use: it goes back empty, and the driver
        // counts an error.
        if (chain->writable_bytes() < kNetHeaderSize) {
            VIREO_TRACE(Net, "rx buffer {} has {} writable bytes", chain->head(),
                        chain->writable_bytes());
            queue.push_used(*chain, 0);
            continue;
        }
        held_.push_back(std::move(*chain));
        return true;
    }
    return false;
}

// virtio 1.2 5.1.6.4: without MRG_RXBUF the device uses a single chain and sets num_buffers
// to 1. A chain too small for this frame is kept for a smaller one.
RxBuffers::Outcome RxBuffers::place_single(Virtqueue& queue, NetHeader header,
                                           std::span<uint8_t const> frame) {
    if (held_.empty() && !take_chain(queue))
        return Outcome::NoBuffers;
    DescriptorChain const& chain = held_.front();
    uint64_t const total = kNetHeaderSize + frame.size();
    if (chain.writable_bytes() < total)
        return Outcome::Dropped;
    header.num_buffers = 1;
    write_frame(chain, header, frame, 0, total);
    queue.push_used(chain, static_cast<uint32_t>(total));
    held_.pop_front();
    return Outcome::Placed;
}

// virtio 1.2 5.1.6.4: with MRG_RXBUF the frame spreads over num_buffers chains, all but the
// last used completely.
RxBuffers::Outcome RxBuffers::place_merged(Virtqueue& queue, NetHeader header,
                                           std::span<uint8_t const> frame) {
    uint64_t const total = kNetHeaderSize + frame.size();
    size_t count = 0;
    uint64_t room = 0;
    while (room < total) {
        if (count == held_.size() && !take_chain(queue)) {
            // Every buffer of the ring in hand and still too little: it will never fit.
            return held_.size() >= queue.size() ? Outcome::Dropped : Outcome::NoBuffers;
        }
        room += held_[count++].writable_bytes();
    }
    header.num_buffers = static_cast<uint16_t>(count);
    std::vector<uint32_t> lengths(count);
    uint64_t offset = 0;
    for (size_t i = 0; i < count; ++i) {
        uint64_t const length = std::min(held_[i].writable_bytes(), total - offset);
        write_frame(held_[i], header, frame, offset, length);
        lengths[i] = static_cast<uint32_t>(length);
        offset += length;
    }
    // All data first, then the used entries back to back: the driver reads num_buffers and
    // expects that many used buffers (virtio 1.2 5.1.6.4).
    for (size_t i = 0; i < count; ++i)
        queue.push_used(held_[i], lengths[i]);
    held_.erase(held_.begin(), held_.begin() + static_cast<std::ptrdiff_t>(count));
    return Outcome::Placed;
}

// Writes bytes [offset, offset + length) of header-then-frame into `chain`; `length` is at
// most the chain's writable bytes.
void RxBuffers::write_frame(DescriptorChain const& chain, NetHeader const& header,
                            std::span<uint8_t const> frame, uint64_t offset, uint64_t length) {
    uint64_t header_part = 0;
    if (offset < kNetHeaderSize) {
        uint8_t raw[kNetHeaderSize];
        header.serialize(raw);
        header_part = std::min<uint64_t>(kNetHeaderSize - offset, length);
        chain.write(0, std::span<uint8_t const>(raw).subspan(offset, header_part));
    }
    if (length > header_part)
        chain.write(header_part,
                    frame.subspan(offset + header_part - kNetHeaderSize, length - header_part));
}

} // namespace vireo::virtio
