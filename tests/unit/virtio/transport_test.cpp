#include <gtest/gtest.h>

#include "pci_driver.h"
#include "test_driver.h"

namespace vireo::virtio {
namespace {

using test::FakeDevice;
using test::PciDriver;
namespace common = pci_layout::common;

constexpr uint64_t kAllOk = kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk;
constexpr uint64_t kDesc = test::kDescAddress;
constexpr uint64_t kAvail = test::kAvailAddress;
constexpr uint64_t kUsed = test::kUsedAddress;

class TransportTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto created = VirtioPciDevice::create(device_, *memory_);
        ASSERT_TRUE(created) << created.error().message();
        pci_ = *created;
        pci_->connect(&line_, &msi_, 0);
        driver_ = std::make_unique<PciDriver>(*pci_);
    }

    std::unique_ptr<GuestMemory> memory_ = test::make_memory();
    std::shared_ptr<FakeDevice> device_ = std::make_shared<FakeDevice>();
    std::shared_ptr<VirtioPciDevice> pci_;
    test::Line line_;
    test::RecordingMsi msi_;
    std::unique_ptr<PciDriver> driver_;
};

TEST_F(TransportTest, PciIdentityIsModernVirtio) {
    EXPECT_EQ(driver_->config32(pci::kVendorId), 0x1043'1af4U); // 0x1040 + console (3)
    EXPECT_EQ(driver_->config32(pci::kRevisionId) & 0xff, 1U);
    EXPECT_GE(driver_->config32(pci::kSubsystemVendorId) >> 16, 0x40U);
    auto const bars = pci_->bars();
    ASSERT_EQ(bars.size(), 1U);
    EXPECT_EQ(driver_->config32(pci::kBar0) & 0xf, pci::kBarMemoryType64);
}

TEST_F(TransportTest, CapabilitiesDescribeTheStructuresInBar0) {
    struct Expected {
        uint8_t type;
        uint32_t offset;
        uint32_t length;
    };
    for (auto const& want :
         {Expected{pci_layout::kCapCommon, 0x0000, common::kSize},
          Expected{pci_layout::kCapNotify, 0x3000, 8}, Expected{pci_layout::kCapIsr, 0x1000, 1},
          Expected{pci_layout::kCapDevice, 0x2000, 8}}) {
        auto const cap = driver_->find_capability(want.type);
        ASSERT_TRUE(cap) << "type " << int(want.type);
        EXPECT_EQ(driver_->config32(*cap + 4) & 0xff, 0U); // bar
        EXPECT_EQ(driver_->config32(*cap + 8), want.offset);
        EXPECT_EQ(driver_->config32(*cap + 12), want.length);
    }
    auto const notify = *driver_->find_capability(pci_layout::kCapNotify);
    EXPECT_EQ(driver_->config32(notify + 16), pci_layout::kNotifyMultiplier);
    EXPECT_TRUE(driver_->find_capability(pci_layout::kCapPciCfg));
    auto const msix = driver_->find_msix();
    ASSERT_TRUE(msix);
    EXPECT_EQ((driver_->config32(*msix) >> 16 & 0x7ff) + 1, 3U); // two queues + config
}

TEST_F(TransportTest, OffersDeviceAndTransportFeatures) {
    uint64_t const features = driver_->device_features();
    EXPECT_EQ(features,
              device_->offered | kFeatureVersion1 | kFeatureIndirectDesc | kFeatureEventIdx);
    driver_->write(common::kDeviceFeatureSelect, 2, 4);
    EXPECT_EQ(driver_->read(common::kDeviceFeature, 4), 0U);
}

TEST_F(TransportTest, FeaturesOkNeedsVersion1) {
    EXPECT_EQ(driver_->negotiate(device_->offered) & kStatusFeaturesOk, 0);
}

TEST_F(TransportTest, FeaturesOkRefusesFeaturesNotOffered) {
    EXPECT_EQ(driver_->negotiate(kFeatureVersion1 | (1U << 5)) & kStatusFeaturesOk, 0);
}

TEST_F(TransportTest, DeviceMayRefuseACombination) {
    device_->refuse = kFeatureVersion1 | device_->offered;
    EXPECT_EQ(driver_->negotiate(kFeatureVersion1 | device_->offered) & kStatusFeaturesOk, 0);
    driver_->set_status(0);
    EXPECT_NE(driver_->negotiate(kFeatureVersion1) & kStatusFeaturesOk, 0);
}

TEST_F(TransportTest, FeaturesAreFixedOnceAccepted) {
    EXPECT_EQ(driver_->negotiate(kFeatureVersion1), kAllOk);
    driver_->set_driver_features(kFeatureVersion1 | kFeatureEventIdx);
    driver_->write(common::kDriverFeatureSelect, 1, 4);
    EXPECT_EQ(driver_->read(common::kDriverFeature, 4), 1U); // VERSION_1 only
    driver_->write(common::kDriverFeatureSelect, 0, 4);
    EXPECT_EQ(driver_->read(common::kDriverFeature, 4), 0U);
}

TEST_F(TransportTest, DriverCannotClearStatusBits) {
    driver_->negotiate(kFeatureVersion1);
    driver_->set_status(kStatusAcknowledge);
    EXPECT_EQ(driver_->status(), kAllOk);
}

TEST_F(TransportTest, DriverOkActivatesEnabledQueuesOnly) {
    driver_->negotiate(kFeatureVersion1 | kFeatureEventIdx);
    driver_->setup_queue(1, 8, kDesc, kAvail, kUsed);
    driver_->driver_ok();
    EXPECT_EQ(driver_->status(), kAllOk | kStatusDriverOk);
    ASSERT_EQ(device_->activations, 1U);
    EXPECT_EQ(device_->features_seen, kFeatureVersion1 | kFeatureEventIdx);
    ASSERT_EQ(device_->queues.size(), 2U);
    EXPECT_EQ(device_->queues[0], nullptr);
    ASSERT_NE(device_->queues[1], nullptr);
    EXPECT_EQ(device_->queues[1]->size(), 8);
    // Activation looks at the queue once; a notification signals it again.
    EXPECT_TRUE(device_->queues[1]->consume_kick());
    EXPECT_FALSE(device_->queues[1]->consume_kick());
    driver_->notify(1);
    EXPECT_TRUE(device_->queues[1]->consume_kick());
}

TEST_F(TransportTest, QueueRegistersReadBackAndAreFrozenByEnable) {
    driver_->write(common::kQueueSelect, 0, 2);
    EXPECT_EQ(driver_->read(common::kQueueSize, 2), 16U); // the maximum until changed
    EXPECT_EQ(driver_->read(common::kQueueNotifyOff, 2), 0U);
    driver_->setup_queue(0, 4, 0x1'2345'6000, kAvail, kUsed);
    EXPECT_EQ(driver_->read(common::kQueueDesc, 8), 0x1'2345'6000U);
    EXPECT_EQ(driver_->read(common::kQueueDesc + 4, 4), 0x1U);
    EXPECT_EQ(driver_->read(common::kQueueEnable, 2), 1U);
    driver_->write(common::kQueueSize, 2, 2); // enabled: no longer changes
    EXPECT_EQ(driver_->read(common::kQueueSize, 2), 4U);
    driver_->write(common::kQueueSelect, 1, 2);
    EXPECT_EQ(driver_->read(common::kQueueNotifyOff, 2), 1U);
    driver_->write(common::kQueueSelect, 2, 2); // no such queue
    EXPECT_EQ(driver_->read(common::kQueueSize, 2), 0U);
    EXPECT_EQ(driver_->read(common::kNumQueues, 2), 2U);
}

TEST_F(TransportTest, OddWidthAccessesAreIgnored) {
    driver_->write(common::kQueueSelect, 1, 4); // a 16-bit field written with 32 bits
    EXPECT_EQ(driver_->read(common::kQueueSelect, 2), 0U);
    EXPECT_EQ(driver_->read(common::kNumQueues, 1), 0U);
}

TEST_F(TransportTest, BadQueueLayoutAtDriverOkNeedsReset) {
    driver_->enable_msix(3);
    driver_->write(common::kConfigMsixVector, 2, 2);
    driver_->negotiate(kFeatureVersion1);
    driver_->setup_queue(0, 16, test::kRamBytes - 64, kAvail, kUsed);
    driver_->driver_ok();
    EXPECT_NE(driver_->status() & kStatusNeedsReset, 0);
    EXPECT_EQ(device_->activations, 0U);
    ASSERT_EQ(msi_.messages.size(), 1U); // the configuration change notification
    EXPECT_EQ(msi_.messages[0].second, 0x42U);
    EXPECT_NE(driver_->isr() & pci_layout::kIsrConfig, 0);
}

TEST_F(TransportTest, QueueSizeAboveTheMaximumNeedsReset) {
    driver_->negotiate(kFeatureVersion1);
    driver_->setup_queue(1, 16, kDesc, kAvail, kUsed); // queue 1 has at most 8 entries
    driver_->driver_ok();
    EXPECT_NE(driver_->status() & kStatusNeedsReset, 0);
}

TEST_F(TransportTest, DriverOkWithoutFeaturesOkNeedsReset) {
    driver_->set_status(kStatusAcknowledge | kStatusDriver | kStatusDriverOk);
    EXPECT_NE(driver_->status() & kStatusNeedsReset, 0);
    EXPECT_EQ(device_->activations, 0U);
}

TEST_F(TransportTest, FailedActivationNeedsReset) {
    device_->fail_activation = true;
    driver_->negotiate(kFeatureVersion1);
    driver_->driver_ok();
    EXPECT_NE(driver_->status() & kStatusNeedsReset, 0);
    driver_->set_status(0);
    EXPECT_EQ(device_->resets, 0U); // never activated: nothing to reset
    EXPECT_EQ(driver_->status(), 0);
}

TEST_F(TransportTest, ResetStopsTheDeviceAndForgetsTheDriversSettings) {
    driver_->enable_msix(3);
    driver_->write(common::kConfigMsixVector, 2, 2);
    driver_->negotiate(kFeatureVersion1);
    driver_->setup_queue(0, 4, kDesc, kAvail, kUsed, 0);
    driver_->driver_ok();
    ASSERT_EQ(device_->activations, 1U);
    driver_->set_status(0);
    EXPECT_EQ(device_->resets, 1U);
    EXPECT_EQ(driver_->status(), 0);
    EXPECT_EQ(driver_->read(common::kConfigMsixVector, 2), kNoVector);
    driver_->write(common::kQueueSelect, 0, 2);
    EXPECT_EQ(driver_->read(common::kQueueSize, 2), 16U);
    EXPECT_EQ(driver_->read(common::kQueueEnable, 2), 0U);
    EXPECT_EQ(driver_->read(common::kQueueDesc, 8), 0U);
    EXPECT_EQ(driver_->read(common::kQueueMsixVector, 2), kNoVector);
    driver_->write(common::kDriverFeatureSelect, 1, 4);
    EXPECT_EQ(driver_->read(common::kDriverFeature, 4), 0U);
    driver_->notify(0); // no longer live: no kick
    // The device can be brought up again.
    EXPECT_EQ(driver_->negotiate(kFeatureVersion1), kAllOk);
}

TEST_F(TransportTest, VectorsOutsideTheTableReadNoVector) {
    driver_->write(common::kConfigMsixVector, 3, 2);
    EXPECT_EQ(driver_->read(common::kConfigMsixVector, 2), kNoVector);
    driver_->write(common::kConfigMsixVector, 1, 2);
    EXPECT_EQ(driver_->read(common::kConfigMsixVector, 2), 1U);
    driver_->write(common::kQueueSelect, 1, 2);
    driver_->write(common::kQueueMsixVector, 0x7ff, 2);
    EXPECT_EQ(driver_->read(common::kQueueMsixVector, 2), kNoVector);
}

TEST_F(TransportTest, ConfigChangeMovesTheGenerationAndInterrupts) {
    uint8_t const before = static_cast<uint8_t>(driver_->read(common::kConfigGeneration, 1));
    device_->change_config(0x77);
    EXPECT_TRUE(line_.level);                                       // MSI-X off: INTx
    EXPECT_EQ(driver_->read(common::kConfigGeneration, 1), before); // moves on the next read
    EXPECT_EQ(driver_->read(pci_layout::kDeviceConfigOffset, 1), 0x77U);
    EXPECT_NE(driver_->read(common::kConfigGeneration, 1), before);
    EXPECT_EQ(driver_->isr(), pci_layout::kIsrConfig);
    EXPECT_FALSE(line_.level);
    EXPECT_EQ(driver_->isr(), 0);
}

TEST_F(TransportTest, DeviceConfigWritesAndBounds) {
    driver_->write(pci_layout::kDeviceConfigOffset + 4, 0x11223344, 4);
    EXPECT_EQ(device_->config[4], 0x44);
    EXPECT_EQ(driver_->read(pci_layout::kDeviceConfigOffset + 4, 4), 0x11223344U);
    driver_->write(pci_layout::kDeviceConfigOffset + 6, 0xffffffff, 4); // runs past the end
    EXPECT_EQ(device_->config[7], 0x11);
}

TEST_F(TransportTest, QueueInterruptUsesMsixOrIsrAndIntx) {
    driver_->negotiate(kFeatureVersion1);
    driver_->setup_queue(0, 4, kDesc, kAvail, kUsed, 1);
    driver_->driver_ok();
    test::TestDriver ring(*memory_, 4);
    ring.add_chain({{test::kBufferArea, 4, true}});
    auto* queue = device_->queues[0];
    queue->push_used(*queue->pop(), 4);
    queue->notify_if_needed(); // MSI-X disabled: INTx and ISR bit 0
    EXPECT_TRUE(line_.level);
    EXPECT_EQ(driver_->isr(), pci_layout::kIsrQueue);
    EXPECT_FALSE(line_.level);
    driver_->enable_msix(3);
    ring.add_chain({{test::kBufferArea, 4, true}}, 1);
    queue->push_used(*queue->pop(), 4);
    queue->notify_if_needed();
    EXPECT_FALSE(line_.level);
    ASSERT_EQ(msi_.messages.size(), 1U);
    EXPECT_EQ(msi_.messages[0].second, 0x41U); // vector 1
    EXPECT_EQ(driver_->isr(), 0);
}

TEST_F(TransportTest, NoVectorWithMsixSendsNothing) {
    driver_->enable_msix(3);
    device_->change_config(1);
    EXPECT_TRUE(msi_.messages.empty());
    EXPECT_FALSE(line_.level);
}

TEST_F(TransportTest, NeedsResetFromTheDeviceNotifiesOnceLive) {
    driver_->enable_msix(3);
    driver_->write(common::kConfigMsixVector, 0, 2);
    driver_->negotiate(kFeatureVersion1);
    driver_->driver_ok();
    device_->break_device();
    device_->break_device();
    EXPECT_NE(driver_->status() & kStatusNeedsReset, 0);
    EXPECT_EQ(msi_.messages.size(), 1U);
}

TEST_F(TransportTest, PciCfgWindowReachesBar0) {
    auto const cap = *driver_->find_capability(pci_layout::kCapPciCfg);
    driver_->negotiate(kFeatureVersion1);
    // Read device_status (1 byte at common + 0x14) through the window.
    driver_->write_config(cap + 4, 0, 1);
    driver_->write_config(cap + 8, common::kDeviceStatus, 4);
    driver_->write_config(cap + 12, 1, 4);
    EXPECT_EQ(driver_->config32(cap + 16) & 0xff, kAllOk);
    // Write queue_select (2 bytes) through it.
    driver_->write_config(cap + 8, common::kQueueSelect, 4);
    driver_->write_config(cap + 12, 2, 4);
    driver_->write_config(cap + 16, 1, 2);
    EXPECT_EQ(driver_->read(common::kQueueSelect, 2), 1U);
    // A misaligned window does nothing.
    driver_->write_config(cap + 8, common::kQueueSelect + 1, 4);
    driver_->write_config(cap + 16, 0, 2);
    EXPECT_EQ(driver_->read(common::kQueueSelect, 2), 1U);
}

TEST_F(TransportTest, DestroyingALiveTransportResetsTheDevice) {
    driver_->negotiate(kFeatureVersion1);
    driver_->driver_ok();
    driver_.reset();
    pci_.reset();
    EXPECT_EQ(device_->resets, 1U);
}

} // namespace
} // namespace vireo::virtio
