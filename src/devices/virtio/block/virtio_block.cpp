#include "devices/virtio/block/virtio_block.h"

#include <algorithm>
#include <cstring>

#include "base/trace.h"
#include "devices/virtio/block/block_engine.h"
#include "devices/virtio/block/block_worker.h"

namespace vireo::virtio::block {

namespace {

// Configuration fields are little-endian (virtio 1.2 1.4), as on the x86-64 host.
template <typename T>
void store(std::array<uint8_t, config::kSize>& bytes, uint32_t offset, T value) {
    std::memcpy(bytes.data() + offset, &value, sizeof(value));
}

} // namespace

Result<std::shared_ptr<VirtioBlock>> VirtioBlock::create(std::unique_ptr<DiskImage> image,
                                                         Options const& options) {
    if (options.queues == 0 || options.queues > kMaxQueues)
        return make_error("virtio-blk: {} queues (1 to {})", options.queues, kMaxQueues);
    TRY(BlockEngine::probe());
    std::shared_ptr<VirtioBlock> device(new VirtioBlock(std::move(image), options));
    device->fill_config();
    return device;
}

VirtioBlock::VirtioBlock(std::unique_ptr<DiskImage> image, Options const& options)
    : image_(std::move(image))
    , options_(options) {}

VirtioBlock::~VirtioBlock() {
    std::lock_guard lock(mutex_);
    worker_.reset();
    engine_.reset();
}

// virtio 1.2 5.2.3. A read-only image offers RO and none of the requests that change it.
uint64_t VirtioBlock::features() const {
    uint64_t offered = kFeatureSegMax | kFeatureBlkSize | kFeatureFlush;
    if (options_.queues > 1)
        offered |= kFeatureMq;
    if (image_->read_only())
        offered |= kFeatureRo;
    else
        offered |= kFeatureDiscard | kFeatureWriteZeroes;
    return offered;
}

std::vector<uint16_t> VirtioBlock::queue_sizes() const {
    return std::vector<uint16_t>(options_.queues, kQueueSize);
}

// struct virtio_blk_config (virtio 1.2 5.2.4); fields of features not offered stay 0.
void VirtioBlock::fill_config() {
    store<uint64_t>(config_, config::kCapacity, image_->capacity_sectors());
    store<uint32_t>(config_, config::kSegMax, kSegMax);
    store<uint32_t>(config_, config::kBlkSize, static_cast<uint32_t>(kSectorSize));
    store<uint16_t>(config_, config::kNumQueues, options_.queues);
    if (image_->read_only())
        return;
    store<uint32_t>(config_, config::kMaxDiscardSectors, kMaxRangeSectors);
    store<uint32_t>(config_, config::kMaxDiscardSeg, kMaxRanges);
    store<uint32_t>(config_, config::kDiscardSectorAlignment, kRangeAlignmentSectors);
    store<uint32_t>(config_, config::kMaxWriteZeroesSectors, kMaxRangeSectors);
    store<uint32_t>(config_, config::kMaxWriteZeroesSeg, kMaxRanges);
    store<uint8_t>(config_, config::kWriteZeroesMayUnmap, 1);
}

void VirtioBlock::read_config(uint32_t offset, std::span<uint8_t> data) {
    std::fill(data.begin(), data.end(), uint8_t{0});
    if (offset >= config_.size())
        return;
    size_t const count = std::min<size_t>(data.size(), config_.size() - offset);
    std::memcpy(data.data(), config_.data() + offset, count);
}

Result<void> VirtioBlock::activate(Activation const& activation) {
    std::lock_guard lock(mutex_);
    std::vector<Virtqueue*> queues;
    unsigned depth = 1; // the worker's stop eventfd
    for (Virtqueue* queue : activation.queues) {
        if (queue == nullptr)
            continue;
        queues.push_back(queue);
        depth += queue->size() + 1U; // its requests and its kick eventfd
    }
    if (queues.empty())
        return {};
    RequestLimits const limits{.capacity_sectors = image_->capacity_sectors(),
                               .read_only = image_->read_only(),
                               .features = activation.features,
                               .max_discard_sectors = kMaxRangeSectors,
                               .max_discard_segments = kMaxRanges,
                               .max_write_zeroes_sectors = kMaxRangeSectors,
                               .max_write_zeroes_segments = kMaxRanges};
    auto engine = TRY(BlockEngine::create(*image_, *activation.memory, limits, depth));
    VIREO_TRACE(Block, "{}: {} queues live, features {:#x}", image_->path(), queues.size(),
                activation.features);
    if (options_.serving == Serving::Caller) {
        engine_ = std::move(engine);
        queues_ = std::move(queues);
        return {};
    }
    worker_ = TRY(BlockWorker::start(std::move(engine), std::move(queues)));
    return {};
}

void VirtioBlock::reset() {
    std::lock_guard lock(mutex_);
    worker_.reset();
    engine_.reset();
    queues_.clear();
}

void VirtioBlock::process() {
    std::lock_guard lock(mutex_);
    if (!engine_)
        return;
    for (Virtqueue* queue : queues_) {
        queue->consume_kick();
        engine_->take(*queue);
    }
    engine_->submit(false);
    engine_->reap([](uint64_t) {});
    while (engine_->in_flight() > 0) {
        engine_->submit(true);
        engine_->reap([](uint64_t) {});
    }
}

} // namespace vireo::virtio::block
