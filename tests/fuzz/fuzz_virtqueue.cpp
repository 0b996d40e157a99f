// Fuzzes the split virtqueue parser: the input is a queue layout, a guest memory image that
// holds the rings and descriptors, and later changes to that memory, as a misbehaving driver
// would make them. The device side pops every chain, touches every byte of it, returns it
// and decides on interrupts.
//
// Input: flags (bit 0 INDIRECT_DESC, bit 1 EVENT_IDX, bit 2 raw 64-bit ring addresses),
// log2 of the queue size, the three ring addresses (16-bit multiples of their alignment, or
// raw), a pop budget, the bytes each used chain claims written, the image length, the image
// (copied to guest address 0), then patches of (32-bit offset, 16-bit value, 32-bit written)
// applied between rounds of popping.
#include <vector>

#include <sys/eventfd.h>

#include "base/fd.h"
#include "devices/virtio/virtio_spec.h"
#include "devices/virtio/virtqueue.h"
#include "fuzz_input.h"
#include "memory/guest_memory.h"

namespace vireo::fuzz {
namespace {

constexpr uint64_t kRamBytes = 2 * 1024 * 1024;
constexpr size_t kImageMax = 256 * 1024;

class CountingOwner final : public virtio::QueueOwner {
public:
    void queue_interrupt(uint16_t) override { ++interrupts; }
    void queue_error(uint16_t, std::string const&) override { ++errors; }
    unsigned interrupts = 0;
    unsigned errors = 0;
};

GuestMemory& memory() {
    static auto const instance = GuestMemory::create(kRamBytes);
    return **instance;
}

int kick_fd() {
    static UniqueFd const fd(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    return fd.get();
}

bool inside_ram(virtio::Segment const& segment) {
    uint8_t const* base = memory().host_pointer(0, kRamBytes);
    return segment.host.data() >= base && segment.host.size() <= kRamBytes &&
           segment.host.data() + segment.host.size() <= base + kRamBytes;
}

// Everything a device does with a chain: read it, write it, return it.
void use_chain(virtio::Virtqueue& queue, virtio::DescriptorChain const& chain, uint32_t written) {
    for (auto const& segment : chain.readable())
        check(inside_ram(segment), "readable segment outside guest RAM");
    for (auto const& segment : chain.writable())
        check(inside_ram(segment), "writable segment outside guest RAM");
    std::vector<uint8_t> scratch(std::min<uint64_t>(chain.readable_bytes(), 4096));
    check(chain.read(0, scratch) == scratch.size(), "short read of the readable bytes");
    std::vector<uint8_t> const pattern(std::min<uint64_t>(chain.writable_bytes(), 4096), 0x5a);
    check(chain.write(0, pattern) == pattern.size(), "short write of the writable bytes");
    queue.push_used(chain, written);
}

void pop_round(virtio::Virtqueue& queue, uint32_t written, unsigned budget) {
    for (unsigned i = 0; i < budget; ++i) {
        auto chain = queue.pop();
        if (!chain)
            break;
        check(!queue.broken(), "a broken queue returned a chain");
        use_chain(queue, *chain, written);
        if (i % 2 == 0)
            queue.notify_if_needed();
    }
    queue.notify_if_needed();
}

virtio::QueueLayout read_layout(FuzzInput& input, uint8_t flags) {
    virtio::QueueLayout layout;
    layout.size = static_cast<uint16_t>(1U << (input.u8() % 16));
    if ((flags & 4) != 0) {
        layout.desc = input.u64();
        layout.driver = input.u64();
        layout.device = input.u64();
    } else {
        layout.desc = uint64_t{input.u16()} * 16;
        layout.driver = uint64_t{input.u16()} * 2;
        layout.device = uint64_t{input.u16()} * 4;
    }
    return layout;
}

} // namespace
} // namespace vireo::fuzz

extern "C" int LLVMFuzzerTestOneInput(uint8_t const* data, size_t size) {
    using namespace vireo;
    using namespace vireo::fuzz;
    FuzzInput input(data, size);
    uint8_t const flags = input.u8();
    auto const layout = read_layout(input, flags);
    unsigned const budget = input.u8() + 1U;
    uint32_t const written = input.u32();
    auto const image = input.bytes(std::min<size_t>(input.u32(), kImageMax));
    // Every run starts from the same memory: all zeros, then the image.
    check(memory().discard_all().has_value(), "clearing guest RAM");
    check(memory().write(0, image).has_value(), "guest RAM write");

    uint64_t features = 0;
    if ((flags & 1) != 0)
        features |= virtio::kFeatureIndirectDesc;
    if ((flags & 2) != 0)
        features |= virtio::kFeatureEventIdx;
    CountingOwner owner;
    auto queue = virtio::Virtqueue::create(memory(), layout, features, owner, kick_fd());
    if (!queue)
        return 0;
    pop_round(**queue, written, budget);
    // The driver goes on changing memory under the device; each patch is followed by a
    // round of popping.
    while (!input.empty()) {
        uint32_t const offset = input.u32() % (kImageMax - 1);
        uint16_t const value = input.u16();
        (void)memory().write_object(offset, value);
        pop_round(**queue, input.u32(), budget);
    }
    check(owner.errors <= 1, "a queue reported more than one error");
    check((*queue)->broken() == (owner.errors == 1), "broken without a report, or the reverse");
    return 0;
}
