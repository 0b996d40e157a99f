#include <gtest/gtest.h>
#include <unistd.h>

#include "bus/bus.h"
#include "devices/pci/pci_bus.h"
#include "pci_driver.h"
#include "test_driver.h"

namespace vireo::virtio {
namespace {

using test::FakeDevice;
using test::PciDriver;

struct Doorbell {
    uint64_t address;
    uint32_t length;
    uint64_t value;
    int fd;
    bool operator==(Doorbell const&) const = default;
};

class RecordingDoorbells final : public DoorbellRegistry {
public:
    bool add(uint64_t address, uint32_t length, uint64_t value, int fd) override {
        if (refuse)
            return false;
        live.push_back({address, length, value, fd});
        return true;
    }
    void remove(uint64_t address, uint32_t length, uint64_t value, int fd) override {
        auto const it = std::find(live.begin(), live.end(), Doorbell{address, length, value, fd});
        ASSERT_NE(it, live.end()) << "removing a doorbell that was never added";
        live.erase(it);
    }
    std::vector<Doorbell> live;
    bool refuse = false;
};

class DoorbellTest : public ::testing::Test {
protected:
    void SetUp() override {
        pci_ = *VirtioPciDevice::create(device_, *memory_, &doorbells_);
        ASSERT_TRUE(bus_.plug(1, pci_));
        bar_ = pci_->bars()[0].address;
    }

    std::unique_ptr<GuestMemory> memory_ = test::make_memory();
    std::shared_ptr<FakeDevice> device_ = std::make_shared<FakeDevice>();
    RecordingDoorbells doorbells_;
    Bus mmio_{"MMIO"};
    test::RecordingMsi msi_;
    test::Line line_;
    pci::PciBus bus_{pci::PciBus::Wiring{mmio_, msi_, [this](uint32_t) { return &line_; },
                                         0xc0000000, 0x100000}};
    std::shared_ptr<VirtioPciDevice> pci_;
    uint64_t bar_ = 0;
};

TEST_F(DoorbellTest, EveryQueueGetsA16BitDoorbellWhereTheBarIsMapped) {
    ASSERT_EQ(doorbells_.live.size(), 2U);
    for (uint16_t index = 0; index < 2; ++index) {
        EXPECT_EQ(doorbells_.live[index], (Doorbell{bar_ + VirtioPciDevice::notify_offset(index), 2,
                                                    index, pci_->transport().kick_fd(index)}));
    }
}

TEST_F(DoorbellTest, DoorbellsFollowTheBarAndLeaveWithDecoding) {
    uint8_t bytes[4] = {};
    uint64_t const moved = 0xc0080000;
    store_le(bytes, static_cast<uint32_t>(moved) | pci::kBarMemoryType64);
    bus_.config_write({0, 1, 0}, pci::kBar0, bytes);
    ASSERT_EQ(doorbells_.live.size(), 2U);
    EXPECT_EQ(doorbells_.live[0].address, moved + VirtioPciDevice::notify_offset(0));
    store_le(bytes, 0);
    bus_.config_write({0, 1, 0}, pci::kCommand, std::span(bytes, 2));
    EXPECT_TRUE(doorbells_.live.empty());
}

TEST_F(DoorbellTest, AnAcceleratorDoorbellKicksTheLiveQueue) {
    PciDriver driver(*pci_);
    driver.negotiate(kFeatureVersion1);
    driver.setup_queue(0, 4, test::kDescAddress, test::kAvailAddress, test::kUsedAddress);
    driver.driver_ok();
    auto* queue = device_->queues[0];
    ASSERT_NE(queue, nullptr);
    (void)queue->consume_kick(); // the kick every queue gets at activation
    uint64_t const one = 1;      // what KVM does on a matching write
    ASSERT_EQ(::write(doorbells_.live[0].fd, &one, sizeof(one)), 8);
    EXPECT_TRUE(queue->consume_kick());
}

TEST_F(DoorbellTest, RemovedWithTheDevice) {
    bus_.~PciBus();
    new (&bus_) pci::PciBus(pci::PciBus::Wiring{mmio_, msi_, [this](uint32_t) { return &line_; },
                                                0xc0000000, 0x100000});
    pci_.reset();
    EXPECT_TRUE(doorbells_.live.empty());
}

TEST(DoorbellRefusedTest, RefusedDoorbellsAreNeverRemoved) {
    auto memory = test::make_memory();
    RecordingDoorbells doorbells;
    doorbells.refuse = true;
    auto pci = *VirtioPciDevice::create(std::make_shared<FakeDevice>(), *memory, &doorbells);
    pci->bar_moved(0, 0xc0000000);
    pci->bar_moved(0, std::nullopt); // would fail the fake's ASSERT if it removed anything
    EXPECT_TRUE(doorbells.live.empty());
}

} // namespace
} // namespace vireo::virtio
