#include <array>

#include "balloon_fixture.h"

namespace vireo::virtio {
namespace {

using namespace balloon;

class BalloonDeviceTest : public test::BalloonFixture {
protected:
    uint32_t config32(uint32_t offset) {
        std::array<uint8_t, 4> bytes{};
        balloon_->read_config(offset, bytes);
        uint32_t value = 0;
        std::memcpy(&value, bytes.data(), 4);
        return value;
    }
    void write_config(uint32_t offset, std::vector<uint8_t> const& bytes) {
        balloon_->write_config(offset, bytes);
    }
};

TEST_F(BalloonDeviceTest, OffersStatisticsDeflateOnOomAndPageReportingWithFourQueues) {
    EXPECT_EQ(balloon_->type(), DeviceType::Balloon);
    EXPECT_EQ(balloon_->features(), kFeatureStatsVq | kFeatureDeflateOnOom | kFeaturePageReporting);
    EXPECT_EQ(balloon_->features() & (kFeatureFreePageHint | kFeaturePagePoison), 0U);
    // inflateq, deflateq, statsq, reporting_vq; Linux needs at least 32 reporting entries.
    auto const sizes = balloon_->queue_sizes();
    ASSERT_EQ(sizes.size(), 4U);
    for (uint16_t size : sizes)
        EXPECT_GE(size, 32);
    EXPECT_EQ(balloon_->config_size(), 8U);
}

TEST_F(BalloonDeviceTest, TargetIsNumPagesAndTellsTheDriver) {
    EXPECT_EQ(config32(kConfigNumPages), 0U);
    balloon_->set_target_pages(32768);
    EXPECT_EQ(config32(kConfigNumPages), 32768U);
    EXPECT_EQ(balloon_->status().target_pages, 32768U);
    EXPECT_EQ(link_.config_changes, 1U);
    balloon_->set_target_pages(32768); // no change, no notification
    EXPECT_EQ(link_.config_changes, 1U);
    balloon_->set_target_pages(0);
    EXPECT_EQ(link_.config_changes, 2U);
}

TEST_F(BalloonDeviceTest, DriverWritesOnlyActual) {
    balloon_->set_target_pages(100);
    write_config(kConfigActual, {0x40, 0x00, 0x00, 0x00});
    EXPECT_EQ(config32(kConfigActual), 0x40U);
    write_config(kConfigNumPages, {0xff, 0xff, 0xff, 0xff}); // the device's field
    EXPECT_EQ(config32(kConfigNumPages), 100U);
    write_config(kConfigActual + 2, {0x01, 0x00}); // a partial write changes its bytes only
    EXPECT_EQ(config32(kConfigActual), 0x10040U);
    write_config(2, {0xaa, 0xbb, 0xcc, 0xdd}); // straddles both fields
    EXPECT_EQ(config32(kConfigNumPages), 100U);
    EXPECT_EQ(config32(kConfigActual), 0x1ddccU);
    EXPECT_EQ(balloon_->status().actual_pages, 0x1ddccU);
}

TEST_F(BalloonDeviceTest, ReadsPastTheStructureAreZero) {
    balloon_->set_target_pages(0x01020304);
    std::array<uint8_t, 8> bytes{};
    bytes.fill(0xee);
    balloon_->read_config(6, bytes);
    EXPECT_EQ(bytes, (std::array<uint8_t, 8>{0, 0, 0, 0, 0, 0, 0, 0}));
    balloon_->read_config(1, std::span(bytes.data(), 2));
    EXPECT_EQ(bytes[0], 0x03);
    EXPECT_EQ(bytes[1], 0x02);
}

TEST_F(BalloonDeviceTest, ResetForgetsTheBalloonButKeepsTheTarget) {
    activate(kFeatureStatsVq, 0);
    balloon_->set_target_pages(4);
    fill(test::kPages, 4 * kPageSize, 0x5a);
    add_pfns({pfn(test::kPages), pfn(test::kPages) + 1});
    balloon_->process();
    write_config(kConfigActual, {2, 0, 0, 0});
    EXPECT_TRUE(balloon_->status().driver_active);
    EXPECT_EQ(balloon_->status().inflated_pages, 2U);

    balloon_->reset();
    auto const status = balloon_->status();
    EXPECT_FALSE(status.driver_active);
    EXPECT_EQ(status.actual_pages, 0U);
    EXPECT_EQ(status.inflated_pages, 0U);
    EXPECT_EQ(status.target_pages, 4U);
    balloon_->process(); // no queues now: nothing happens
}

} // namespace
} // namespace vireo::virtio
