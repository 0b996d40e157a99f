#include "devices/virtio/descriptor_chain.h"

#include <algorithm>
#include <cstring>

#include "devices/virtio/virtio_spec.h"
#include "memory/guest_memory.h"

namespace vireo::virtio {

namespace {

// struct virtq_desc (virtio 1.2 2.7.5): le64 addr, le32 len, le16 flags, le16 next.
constexpr size_t kDescriptorSize = 16;

struct Descriptor {
    uint64_t address;
    uint32_t length;
    uint16_t flags;
    uint16_t next;
};

// One copy of the guest's descriptor: the guest may change it while vireo looks, so every
// check and every use works on this copy.
Descriptor load_descriptor(DescriptorTable table, uint16_t index) {
    uint8_t const* raw = table.host + size_t{index} * kDescriptorSize;
    Descriptor descriptor{};
    std::memcpy(&descriptor.address, raw, 8);
    std::memcpy(&descriptor.length, raw + 8, 4);
    std::memcpy(&descriptor.flags, raw + 12, 2);
    std::memcpy(&descriptor.next, raw + 14, 2);
    return descriptor;
}

} // namespace

// Collects the segments of one chain while walk_chain checks the descriptors.
class ChainBuilder {
public:
    ChainBuilder(GuestMemory const& memory, uint16_t head)
        : memory_(memory) {
        chain_.head_ = head;
    }

    Result<void> add(Descriptor const& descriptor) {
        bool const writable = (descriptor.flags & kDescWrite) != 0;
        // virtio 1.2 2.7.4.2: device-writable buffers follow every device-readable one.
        if (!writable && !chain_.writable_.empty())
            return make_error("a device-readable buffer follows a device-writable one");
        total_ += descriptor.length;
        if (total_ > kMaxChainBytes)
            return make_error("the chain describes more than 4 GiB"); // virtio 1.2 2.7.5.2
        if (descriptor.length == 0)
            return {};
        uint8_t* host = memory_.host_pointer(descriptor.address, descriptor.length);
        if (host == nullptr)
            return make_error("buffer {:#x}+{:#x} is not guest RAM", descriptor.address,
                              descriptor.length);
        Segment const segment{descriptor.address, std::span(host, descriptor.length)};
        if (writable) {
            chain_.writable_.push_back(segment);
            chain_.writable_bytes_ += descriptor.length;
        } else {
            chain_.readable_.push_back(segment);
            chain_.readable_bytes_ += descriptor.length;
        }
        return {};
    }

    DescriptorChain take() { return std::move(chain_); }

private:
    GuestMemory const& memory_;
    DescriptorChain chain_;
    uint64_t total_ = 0;
};

namespace {

// virtio 1.2 2.7.5.3: an indirect descriptor replaces the rest of the chain with a table of
// len / 16 descriptors.
Result<DescriptorTable> open_indirect(GuestMemory const& memory, Descriptor const& descriptor,
                                      bool nested) {
    // virtio 1.2 2.7.5.3.1: no INDIRECT inside an indirect table, never INDIRECT with NEXT.
    if (nested)
        return make_error("an indirect table refers to another indirect table");
    if ((descriptor.flags & kDescNext) != 0)
        return make_error("a descriptor has both INDIRECT and NEXT");
    if (descriptor.length == 0 || descriptor.length % kDescriptorSize != 0 ||
        descriptor.length / kDescriptorSize > kMaxQueueSize)
        return make_error("indirect table length {} is not a multiple of 16 between 16 and {}",
                          descriptor.length, kMaxQueueSize * kDescriptorSize);
    uint8_t const* host = memory.host_pointer(descriptor.address, descriptor.length);
    if (host == nullptr)
        return make_error("indirect table {:#x}+{:#x} is not guest RAM", descriptor.address,
                          descriptor.length);
    return DescriptorTable{host, static_cast<uint32_t>(descriptor.length / kDescriptorSize)};
}

} // namespace

Result<DescriptorChain> walk_chain(GuestMemory const& memory, DescriptorTable table, uint16_t head,
                                   bool indirect_allowed) {
    if (head >= table.count)
        return make_error("head descriptor {} is outside the {}-entry table", head, table.count);
    ChainBuilder builder(memory, head);
    bool in_indirect = false;
    uint16_t index = head;
    // A chain visits each descriptor of a table at most once; more steps mean a loop.
    uint32_t steps_left = table.count;
    for (;;) {
        if (steps_left-- == 0)
            return make_error("the chain loops or is longer than its table ({} entries)",
                              table.count);
        Descriptor const descriptor = load_descriptor(table, index);
        if ((descriptor.flags & kDescIndirect) != 0) {
            if (!indirect_allowed)
                return make_error("INDIRECT used but VIRTIO_F_INDIRECT_DESC not negotiated");
            table = TRY(open_indirect(memory, descriptor, in_indirect));
            in_indirect = true;
            index = 0;
            steps_left = table.count;
            continue;
        }
        TRY(builder.add(descriptor));
        if ((descriptor.flags & kDescNext) == 0)
            return builder.take();
        index = descriptor.next;
        if (index >= table.count)
            return make_error("next index {} is outside the {}-entry table", index, table.count);
    }
}

size_t DescriptorChain::read(uint64_t offset, std::span<uint8_t> out) const {
    size_t done = 0;
    for (auto const& segment : readable_) {
        if (done == out.size())
            break;
        if (offset >= segment.host.size()) {
            offset -= segment.host.size();
            continue;
        }
        size_t const count = std::min(out.size() - done, segment.host.size() - offset);
        std::memcpy(out.data() + done, segment.host.data() + offset, count);
        done += count;
        offset = 0;
    }
    return done;
}

size_t DescriptorChain::write(uint64_t offset, std::span<uint8_t const> in) const {
    size_t done = 0;
    for (auto const& segment : writable_) {
        if (done == in.size())
            break;
        if (offset >= segment.host.size()) {
            offset -= segment.host.size();
            continue;
        }
        size_t const count = std::min(in.size() - done, segment.host.size() - offset);
        std::memcpy(segment.host.data() + offset, in.data() + done, count);
        done += count;
        offset = 0;
    }
    return done;
}

} // namespace vireo::virtio
