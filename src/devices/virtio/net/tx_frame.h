// Reading what a driver put in a transmit chain: the virtio-net header, then one Ethernet
// frame (virtio 1.2 5.1.6.2). Everything in it comes from the guest, so each field is checked
// against what was negotiated before a back end sees the frame.
#pragma once

#include <cstdint>
#include <vector>

#include "base/result.h"
#include "devices/virtio/descriptor_chain.h"
#include "net/net_header.h"

namespace vireo::virtio {

// Copies the frame of `chain` into `frame` (resized to fit) and returns its header. A chain
// whose header asks for an offload that was not negotiated, whose checksum request points
// outside the frame, or whose frame is shorter than an Ethernet header or longer than
// net::kMaxFrameSize, is an error: the device drops it.
Result<net::NetHeader> read_tx_frame(DescriptorChain const& chain, uint64_t features,
                                     std::vector<uint8_t>& frame);

} // namespace vireo::virtio
