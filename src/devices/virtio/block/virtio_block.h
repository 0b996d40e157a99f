// The virtio block device (virtio 1.2 5.2) on a raw image: reads, writes, flush, discard,
// write zeroes and GET_ID, one or more request queues, read-only when asked. Requests are
// served by io_uring on a worker thread of the device's own (BlockWorker), never on a vCPU.
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <vector>

#include "base/result.h"
#include "devices/virtio/block/block_spec.h"
#include "devices/virtio/block/disk_image.h"
#include "devices/virtio/virtio_device.h"

namespace vireo::virtio::block {

class BlockEngine;
class BlockWorker;

class VirtioBlock final : public VirtioDevice {
public:
    static constexpr uint16_t kQueueSize = 256;
    // virtio 1.2 5.2.4: seg_max. A request's chain holds the header and the status besides
    // its data buffers, and fits the queue without indirect descriptors.
    static constexpr uint32_t kSegMax = kQueueSize - 2;
    static constexpr uint16_t kMaxQueues = 16;
    // Discard and write-zeroes limits (virtio 1.2 5.2.4): 2 GiB per range, 32 ranges per
    // request, ranges aligned to the host's 4 KiB pages so holes free whole pages.
    static constexpr uint32_t kMaxRangeSectors = uint32_t{1} << 22;
    static constexpr uint32_t kMaxRanges = 32;
    static constexpr uint32_t kRangeAlignmentSectors = 8;

    enum class Serving {
        Worker, // a worker thread serves the queues (the VMM)
        Caller, // whoever calls process() does (unit tests, fuzzers)
    };
    struct Options {
        uint16_t queues = 1;
        Serving serving = Serving::Worker;
    };

    // Fails if this host does not give vireo io_uring or `options` are out of range.
    static Result<std::shared_ptr<VirtioBlock>> create(std::unique_ptr<DiskImage> image,
                                                       Options const& options);
    ~VirtioBlock() override;

    [[nodiscard]] DeviceType type() const override { return DeviceType::Block; }
    [[nodiscard]] std::string_view name() const override { return "blk"; }
    [[nodiscard]] uint64_t features() const override;
    [[nodiscard]] std::vector<uint16_t> queue_sizes() const override;
    [[nodiscard]] uint32_t config_size() const override { return config::kSize; }
    void read_config(uint32_t offset, std::span<uint8_t> data) override;
    Result<void> activate(Activation const& activation) override;
    void reset() override;

    // Serving::Caller: serves every request waiting in the queues and waits for their I/O.
    void process();

    [[nodiscard]] DiskImage const& image() const { return *image_; }

private:
    VirtioBlock(std::unique_ptr<DiskImage> image, Options const& options);
    void fill_config();

    std::unique_ptr<DiskImage> image_;
    Options options_;
    std::array<uint8_t, config::kSize> config_{};

    std::mutex mutex_;
    // While active: the worker (Serving::Worker), or the engine and queues (Serving::Caller).
    std::unique_ptr<BlockWorker> worker_;
    std::unique_ptr<BlockEngine> engine_;
    std::vector<Virtqueue*> queues_;
};

} // namespace vireo::virtio::block
