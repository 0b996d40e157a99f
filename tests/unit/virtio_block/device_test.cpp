// VirtioBlock on a scratch image, driven through its PCI function the way Linux's
// virtio_pci and virtio_blk drive it.
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "block_test_support.h"
#include "devices/virtio/block/virtio_block.h"
#include "pci_driver.h"

namespace vireo::virtio::block {
namespace {

using test::kDataAddress;
using test::kHeaderAddress;
using test::kStatusAddress;
using virtio::test::PciDriver;
using virtio::test::TestDriver;

constexpr uint16_t kSize = 16;
constexpr uint64_t kImageBytes = 2 * 1024 * 1024;
constexpr uint64_t kDriverFeatures = kFeatureVersion1 | kFeatureEventIdx | kFeatureFlush |
                                     kFeatureDiscard | kFeatureWriteZeroes | kFeatureBlkSize |
                                     kFeatureSegMax | kFeatureRo | kFeatureMq;

class BlockDeviceTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(image_.ok()); }

    // Creates the device on the scratch image and brings queue `queue` up.
    void start(DiskAccess access, uint64_t driver_features = kDriverFeatures,
               VirtioBlock::Options options = {.serving = VirtioBlock::Serving::Caller},
               uint16_t queue = 0) {
        auto disk = DiskImage::open(image_.path(), access);
        ASSERT_TRUE(disk) << disk.error().message();
        auto device = VirtioBlock::create(std::move(*disk), options);
        ASSERT_TRUE(device) << device.error().message();
        block_ = *device;
        bring_up(driver_features, queue);
    }
    void bring_up(uint64_t driver_features, uint16_t queue) {
        pci_ = *VirtioPciDevice::create(block_, *memory_);
        pci_->connect(nullptr, &msi_, 0);
        driver_ = std::make_unique<PciDriver>(*pci_);
        driver_->enable_msix(3);
        offered_ = driver_->device_features();
        ASSERT_NE(driver_->negotiate(offered_ & driver_features) & kStatusFeaturesOk, 0);
        driver_->setup_queue(queue, kSize, virtio::test::kDescAddress, virtio::test::kAvailAddress,
                             virtio::test::kUsedAddress, 1);
        driver_->driver_ok();
        ASSERT_EQ(driver_->status() & kStatusNeedsReset, 0);
    }

    // One request: header, then `data_bytes` at kDataAddress (device-writable or not), then
    // the status byte. Serves it and returns the status the device wrote.
    uint8_t request(RequestType type, uint64_t sector, uint32_t data_bytes, bool writable) {
        test::write_header(*memory_, type, sector);
        (void)memory_->write_object<uint8_t>(kStatusAddress, 0xee);
        std::vector<virtio::test::Buffer> buffers{{kHeaderAddress, 16, false}};
        if (data_bytes > 0)
            buffers.push_back({kDataAddress, data_bytes, writable});
        buffers.push_back({kStatusAddress, 1, true});
        ring_.add_chain(buffers);
        block_->process();
        return *memory_->read_object<uint8_t>(kStatusAddress);
    }
    uint32_t config32(uint32_t offset) {
        uint32_t value = 0;
        block_->read_config(offset, std::span(reinterpret_cast<uint8_t*>(&value), 4));
        return value;
    }

    test::ScratchImage image_{kImageBytes};
    std::unique_ptr<GuestMemory> memory_ = virtio::test::make_memory();
    std::shared_ptr<VirtioBlock> block_;
    std::shared_ptr<VirtioPciDevice> pci_;
    virtio::test::RecordingMsi msi_;
    std::unique_ptr<PciDriver> driver_;
    TestDriver ring_{*memory_, kSize};
    uint64_t offered_ = 0;
};

TEST_F(BlockDeviceTest, ConfigurationDescribesTheImage) {
    start(DiskAccess::ReadWrite);
    uint64_t capacity = 0;
    block_->read_config(config::kCapacity, std::span(reinterpret_cast<uint8_t*>(&capacity), 8));
    EXPECT_EQ(capacity, kImageBytes / kSectorSize);
    EXPECT_EQ(config32(config::kSegMax), VirtioBlock::kSegMax);
    EXPECT_EQ(config32(config::kBlkSize), kSectorSize);
    EXPECT_EQ(config32(config::kMaxDiscardSeg), VirtioBlock::kMaxRanges);
    EXPECT_EQ(offered_ & kFeatureRo, 0U);
    EXPECT_NE(offered_ & kFeatureFlush, 0U);
    EXPECT_NE(offered_ & kFeatureDiscard, 0U);
    EXPECT_EQ(offered_ & kFeatureMq, 0U); // one queue
}

TEST_F(BlockDeviceTest, ReadFillsTheBuffersFromTheImage) {
    start(DiskAccess::ReadWrite);
    EXPECT_EQ(request(RequestType::In, 5, 2048, true), 0);
    auto const expected = image_.read(5 * kSectorSize, 2048);
    EXPECT_EQ(ring_.bytes(kDataAddress, 2048), expected);
    ASSERT_EQ(ring_.used_idx(), 1);
    EXPECT_EQ(ring_.used(0).length, 2048U + 1); // data and status
    ASSERT_FALSE(msi_.messages.empty());
    EXPECT_EQ(msi_.messages.back().second, 0x41U); // the queue's vector
}

TEST_F(BlockDeviceTest, WriteReachesTheImage) {
    start(DiskAccess::ReadWrite);
    ring_.fill(kDataAddress, 0x5a, 1024);
    EXPECT_EQ(request(RequestType::Out, 9, 1024, false), 0);
    EXPECT_EQ(image_.read(9 * kSectorSize, 1024), std::vector<uint8_t>(1024, 0x5a));
    EXPECT_EQ(image_.read(8 * kSectorSize, 1)[0], test::pattern(8 * kSectorSize));
    EXPECT_EQ(ring_.used(0).length, 1U); // the status byte alone
    EXPECT_EQ(request(RequestType::Flush, 0, 0, false), 0);
}

// virtio 1.2 5.2.6.2: a driver that did not take VIRTIO_BLK_F_FLUSH gets stable writes
// (RWF_DSYNC); they still land.
TEST_F(BlockDeviceTest, WritesWithoutFlushFeature) {
    start(DiskAccess::ReadWrite, kDriverFeatures & ~kFeatureFlush);
    ring_.fill(kDataAddress, 0x11, 512);
    EXPECT_EQ(request(RequestType::Out, 0, 512, false), 0);
    EXPECT_EQ(image_.read(0, 512), std::vector<uint8_t>(512, 0x11));
}

TEST_F(BlockDeviceTest, ReadOnlyDiskRefusesWritesAndLeavesTheImage) {
    start(DiskAccess::ReadOnly);
    EXPECT_NE(offered_ & kFeatureRo, 0U);
    EXPECT_EQ(offered_ & kFeatureDiscard, 0U);
    auto const before = image_.read(0, 4096);
    ring_.fill(kDataAddress, 0x77, 4096);
    EXPECT_EQ(request(RequestType::Out, 0, 4096, false), static_cast<uint8_t>(Status::IoErr));
    EXPECT_EQ(image_.read(0, 4096), before);
    EXPECT_EQ(request(RequestType::In, 0, 512, true), 0);
}

TEST_F(BlockDeviceTest, OutOfRangeAndUnknownRequests) {
    start(DiskAccess::ReadWrite);
    uint64_t const sectors = kImageBytes / kSectorSize;
    EXPECT_EQ(request(RequestType::In, sectors, 512, true), static_cast<uint8_t>(Status::IoErr));
    EXPECT_EQ(request(RequestType::Out, sectors - 1, 1024, false),
              static_cast<uint8_t>(Status::IoErr));
    EXPECT_EQ(request(RequestType::GetLifetime, 0, 8, true), static_cast<uint8_t>(Status::Unsupp));
    EXPECT_EQ(driver_->status() & kStatusNeedsReset, 0); // the device goes on
    EXPECT_EQ(request(RequestType::In, sectors - 1, 512, true), 0);
}

TEST_F(BlockDeviceTest, GetIdAnswersTheImageName) {
    start(DiskAccess::ReadWrite);
    EXPECT_EQ(request(RequestType::GetId, 0, kIdBytes, true), 0);
    auto const id = ring_.bytes(kDataAddress, kIdBytes);
    std::string const name = image_.path().substr(image_.path().rfind('/') + 1);
    EXPECT_EQ(std::string(reinterpret_cast<char const*>(id.data()), name.size()), name);
    EXPECT_EQ(id[name.size()], 0); // NUL-padded
}

TEST_F(BlockDeviceTest, DiscardPunchesHoles) {
    start(DiskAccess::ReadWrite);
    uint64_t const before = image_.allocated_blocks();
    test::write_range(*memory_, kDataAddress, 0, 0, 1024, 0);
    test::write_range(*memory_, kDataAddress, 1, 2048, 1024, 0);
    EXPECT_EQ(request(RequestType::Discard, 0, 2 * kRangeBytes, false), 0);
    uint64_t const after = image_.allocated_blocks();
    EXPECT_LT(after + 1536, before) << "st_blocks " << before << " -> " << after;
    EXPECT_EQ(image_.read(0, 4096), std::vector<uint8_t>(4096, 0));
    EXPECT_EQ(image_.read(kImageBytes - 1, 1)[0], test::pattern(kImageBytes - 1)); // size kept
}

TEST_F(BlockDeviceTest, WriteZeroesReadsBackZeroes) {
    start(DiskAccess::ReadWrite);
    test::write_range(*memory_, kDataAddress, 0, 4, 4, 0);
    EXPECT_EQ(request(RequestType::WriteZeroes, 0, kRangeBytes, false), 0);
    EXPECT_EQ(image_.read(4 * kSectorSize, 2048), std::vector<uint8_t>(2048, 0));
    EXPECT_EQ(image_.read(3 * kSectorSize, 1)[0], test::pattern(3 * kSectorSize));
    EXPECT_EQ(image_.read(8 * kSectorSize, 1)[0], test::pattern(8 * kSectorSize));
}

TEST_F(BlockDeviceTest, SecondQueueOfAMultiQueueDevice) {
    start(DiskAccess::ReadWrite, kDriverFeatures,
          {.queues = 2, .serving = VirtioBlock::Serving::Caller}, 1);
    EXPECT_NE(offered_ & kFeatureMq, 0U);
    EXPECT_EQ(config32(config::kNumQueues) & 0xffff, 2U);
    EXPECT_EQ(request(RequestType::In, 1, 512, true), 0);
    EXPECT_EQ(ring_.bytes(kDataAddress, 512), image_.read(kSectorSize, 512));
}

TEST_F(BlockDeviceTest, ResetStopsServing) {
    start(DiskAccess::ReadWrite);
    driver_->set_status(0);
    EXPECT_EQ(request(RequestType::In, 0, 512, true), 0xee);
    EXPECT_EQ(ring_.used_idx(), 0);
}

TEST(BlockDeviceOptionsTest, QueueCountIsChecked) {
    test::ScratchImage image(4096);
    auto disk = DiskImage::open(image.path(), DiskAccess::ReadWrite);
    ASSERT_TRUE(disk);
    auto device = VirtioBlock::create(std::move(*disk), {.queues = 0});
    ASSERT_FALSE(device);
    EXPECT_NE(device.error().message().find("queues"), std::string::npos);
}

// The real arrangement: a kick wakes the worker thread, which reads through io_uring and
// interrupts the driver.
TEST(BlockWorkerTest, KickIsServedOffTheCallersThread) {
    test::ScratchImage image(kImageBytes);
    auto memory = virtio::test::make_memory();
    auto disk = DiskImage::open(image.path(), DiskAccess::ReadWrite);
    ASSERT_TRUE(disk);
    auto block = *VirtioBlock::create(std::move(*disk), {});
    auto pci = *VirtioPciDevice::create(block, *memory);
    virtio::test::RecordingMsi msi;
    pci->connect(nullptr, &msi, 0);
    PciDriver driver(*pci);
    driver.negotiate(kFeatureVersion1 | kFeatureFlush);
    driver.setup_queue(0, kSize, virtio::test::kDescAddress, virtio::test::kAvailAddress,
                       virtio::test::kUsedAddress);
    driver.driver_ok();
    TestDriver ring(*memory, kSize);
    for (uint64_t sector = 0; sector < 4; ++sector) {
        test::write_header(*memory, RequestType::In, 100 + sector);
        uint64_t const header = kHeaderAddress + 0x100 + 16 * sector;
        (void)memory->write(header, ring.bytes(kHeaderAddress, 16));
        ring.add_chain({{header, 16, false},
                        {kDataAddress + 512 * sector, 512, true},
                        {kStatusAddress + sector, 1, true}},
                       static_cast<uint16_t>(3 * sector));
    }
    driver.notify(0);
    for (int i = 0; i < 1000 && ring.used_idx() < 4; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    ASSERT_EQ(ring.used_idx(), 4);
    EXPECT_EQ(ring.bytes(kDataAddress, 2048), image.read(100 * kSectorSize, 2048));
    EXPECT_EQ(ring.bytes(kStatusAddress, 4), std::vector<uint8_t>(4, 0));
    driver.set_status(0); // joins the worker
    EXPECT_EQ(driver.status(), 0);
}

} // namespace
} // namespace vireo::virtio::block
