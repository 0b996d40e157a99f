#include <algorithm>
#include <thread>

#include <gtest/gtest.h>

#include "base/event_loop.h"
#include "devices/virtio/rng/virtio_rng.h"
#include "pci_driver.h"
#include "test_driver.h"

namespace vireo::virtio {
namespace {

using test::PciDriver;
using test::TestDriver;

constexpr uint16_t kSize = 8;
constexpr uint64_t kBuffer = test::kBufferArea;

// Counts up from 1, so a test can tell which bytes came from the source.
Result<void> counting_source(std::span<uint8_t> out) {
    for (size_t i = 0; i < out.size(); ++i)
        out[i] = static_cast<uint8_t>(i + 1);
    return {};
}

// An entropy device driven the way Linux's virtio_pci and virtio-rng drive it.
class RngTest : public ::testing::Test {
protected:
    void SetUp() override {
        pci_ = *VirtioPciDevice::create(rng_, *memory_);
        pci_->connect(nullptr, &msi_, 0);
        driver_ = std::make_unique<PciDriver>(*pci_);
        driver_->enable_msix(2);
        driver_->write(pci_layout::common::kConfigMsixVector, 0, 2);
        ASSERT_NE(driver_->negotiate(kFeatureVersion1 | kFeatureEventIdx) & kStatusFeaturesOk, 0);
        driver_->setup_queue(0, kSize, test::kDescAddress, test::kAvailAddress, test::kUsedAddress,
                             1);
        driver_->driver_ok();
        ASSERT_EQ(driver_->status() & kStatusNeedsReset, 0);
    }

    std::unique_ptr<GuestMemory> memory_ = test::make_memory();
    std::shared_ptr<VirtioRng> rng_ = VirtioRng::create(nullptr, counting_source);
    std::shared_ptr<VirtioPciDevice> pci_;
    test::RecordingMsi msi_;
    std::unique_ptr<PciDriver> driver_;
    TestDriver ring_{*memory_, kSize};
};

TEST_F(RngTest, FillsTheWritableBufferAndInterrupts) {
    ring_.add_chain({{kBuffer, 16, true}});
    driver_->notify(0);
    rng_->process();
    EXPECT_EQ(ring_.used_idx(), 1);
    EXPECT_EQ(ring_.used(0).length, 16U);
    auto const bytes = ring_.bytes(kBuffer, 16);
    EXPECT_EQ(bytes[0], 1);
    EXPECT_EQ(bytes[15], 16);
    ASSERT_EQ(msi_.messages.size(), 1U);
    EXPECT_EQ(msi_.messages[0].second, 0x41U); // the queue's vector
}

TEST_F(RngTest, ServesEveryWaitingRequest) {
    ring_.add_chain({{kBuffer, 8, true}});
    ring_.add_chain({{kBuffer + 0x100, 4, true}, {kBuffer + 0x200, 4, true}}, 2);
    rng_->process();
    EXPECT_EQ(ring_.used_idx(), 2);
    EXPECT_EQ(ring_.used(1).id, 2U);
    EXPECT_EQ(ring_.used(1).length, 8U);
    EXPECT_EQ(ring_.bytes(kBuffer + 0x200, 4), (std::vector<uint8_t>{5, 6, 7, 8}));
}

TEST_F(RngTest, ReadOnlyRequestGetsNothing) {
    ring_.fill(kBuffer, 0xee, 8);
    ring_.add_chain({{kBuffer, 8, false}});
    rng_->process();
    EXPECT_EQ(ring_.used_idx(), 1);
    EXPECT_EQ(ring_.used(0).length, 0U);
    EXPECT_EQ(ring_.bytes(kBuffer, 1)[0], 0xee); // never written
}

TEST_F(RngTest, HugeRequestIsServedInPart) {
    ring_.add_chain({{0, static_cast<uint32_t>(test::kRamBytes), true}});
    rng_->process();
    EXPECT_EQ(ring_.used(0).length, VirtioRng::kMaxRequestBytes);
}

TEST_F(RngTest, MalformedRequestBreaksTheDeviceNotVireo) {
    ring_.add_chain({{test::kRamBytes - 4, 8, true}});
    rng_->process();
    EXPECT_NE(driver_->status() & kStatusNeedsReset, 0);
    EXPECT_EQ(ring_.used_idx(), 0);
    ASSERT_EQ(msi_.messages.size(), 1U);
    EXPECT_EQ(msi_.messages[0].second, 0x40U); // the configuration vector
}

TEST_F(RngTest, ResetStopsServing) {
    driver_->set_status(0);
    ring_.add_chain({{kBuffer, 8, true}});
    rng_->process();
    EXPECT_EQ(ring_.used_idx(), 0);
}

TEST_F(RngTest, FailingSourceCompletesWithNothing) {
    auto rng = VirtioRng::create(
        nullptr, [](std::span<uint8_t>) -> Result<void> { return make_error("no entropy here"); });
    auto pci = *VirtioPciDevice::create(rng, *memory_);
    PciDriver driver(*pci);
    driver.negotiate(kFeatureVersion1);
    driver.setup_queue(0, kSize, test::kDescAddress, test::kAvailAddress, test::kUsedAddress);
    driver.driver_ok();
    TestDriver ring(*memory_, kSize);
    ring.set_avail_idx(0);
    ring.add_chain({{kBuffer, 8, true}});
    rng->process();
    EXPECT_EQ(ring.used_idx(), 1);
    EXPECT_EQ(ring.used(0).length, 0U);
}

TEST(RngHostTest, HostEntropyFillsTheBuffer) {
    std::vector<uint8_t> bytes(4096, 0);
    ASSERT_TRUE(VirtioRng::host_entropy(bytes));
    // 4096 zero bytes from getrandom() would be a 2^-32768 event.
    EXPECT_NE(std::count(bytes.begin(), bytes.end(), 0), 4096);
}

TEST(RngLoopTest, EventLoopServesKicks) {
    auto memory = test::make_memory();
    auto loop = *EventLoop::create();
    loop->start();
    auto rng = VirtioRng::create(loop.get(), counting_source);
    auto pci = *VirtioPciDevice::create(rng, *memory);
    PciDriver driver(*pci);
    driver.negotiate(kFeatureVersion1);
    driver.setup_queue(0, kSize, test::kDescAddress, test::kAvailAddress, test::kUsedAddress);
    driver.driver_ok();
    TestDriver ring(*memory, kSize);
    ring.add_chain({{kBuffer, 8, true}});
    driver.notify(0);
    for (int i = 0; i < 500 && ring.used_idx() == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    EXPECT_EQ(ring.used_idx(), 1);
    driver.set_status(0); // unregisters from the loop
    loop->stop();
}

} // namespace
} // namespace vireo::virtio
