// A virtio-balloon wired to one split virtqueue laid out by the virtio tests' stand-in
// driver, as if the guest's driver had enabled only that queue.
#pragma once

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <sys/eventfd.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "base/fd.h"
#include "devices/virtio/balloon/virtio_balloon.h"
#include "test_driver.h"

namespace vireo::virtio::test {

inline constexpr uint64_t kBalloonRam = 4 * 1024 * 1024;
inline constexpr uint16_t kBalloonQueueSize = 8;
// Pages the tests hand to the balloon: well above the rings and buffers of test_driver.h.
inline constexpr uint64_t kPages = 0x100000;

class RecordingLink final : public TransportLink {
public:
    void config_changed() override { ++config_changes; }
    void needs_reset(std::string const& reason) override { resets.push_back(reason); }
    unsigned config_changes = 0;
    std::vector<std::string> resets;
};

class BalloonFixture : public ::testing::Test {
protected:
    void SetUp() override { balloon_->attach(link_); }

    // Activates the balloon with `features` negotiated and the driver's queue at `index`,
    // standing in for every index in `also`.
    void activate(uint64_t features, uint16_t index, std::vector<uint16_t> const& also = {}) {
        // Rings and buffers are backed from the start, so that backed_bytes() moves only
        // with the pages under test.
        fill(kDescAddress, kBufferArea + 0x1000 - kDescAddress, 0);
        auto queue = Virtqueue::create(*memory_, driver_.layout(index), kFeatureVersion1 | features,
                                       owner_, kick_.get());
        ASSERT_TRUE(queue) << queue.error().message();
        queue_ = std::move(*queue);
        slots_.assign(balloon_->queue_sizes().size(), nullptr);
        slots_.at(index) = queue_.get();
        for (uint16_t other : also)
            slots_.at(other) = queue_.get();
        Activation const activation{kFeatureVersion1 | features, slots_, memory_.get()};
        ASSERT_TRUE(balloon_->activate(activation));
    }

    // Publishes a device-readable buffer of le32 page frame numbers.
    void add_pfns(std::vector<uint32_t> const& pfns, uint64_t at = kBufferArea) {
        write(at, pfns.data(), pfns.size() * sizeof(uint32_t));
        driver_.add_chain({{at, static_cast<uint32_t>(pfns.size() * sizeof(uint32_t)), false}},
                          next_descriptor_);
        next_descriptor_ = static_cast<uint16_t>(next_descriptor_ + 1);
    }

    void fill(uint64_t address, uint64_t length, uint8_t value) {
        std::vector<uint8_t> bytes(length, value);
        write(address, bytes.data(), bytes.size());
    }
    void write(uint64_t address, void const* data, size_t length) {
        ASSERT_TRUE(memory_->write(address, std::span(static_cast<uint8_t const*>(data), length)));
    }
    uint8_t byte_at(uint64_t address) const { return *memory_->read_object<uint8_t>(address); }

    // Bytes of host memory behind guest RAM.
    uint64_t backed_bytes() const {
        struct stat info {};
        EXPECT_EQ(fstat(memory_->memfd(), &info), 0);
        return static_cast<uint64_t>(info.st_blocks) * 512;
    }

    static uint32_t pfn(uint64_t address) { return static_cast<uint32_t>(address >> 12); }

    std::unique_ptr<GuestMemory> memory_ = *GuestMemory::create(kBalloonRam);
    std::shared_ptr<VirtioBalloon> balloon_ = VirtioBalloon::create(nullptr);
    RecordingLink link_;
    RecordingOwner owner_;
    UniqueFd kick_{eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)};
    TestDriver driver_{*memory_, kBalloonQueueSize};
    std::unique_ptr<Virtqueue> queue_;
    std::vector<Virtqueue*> slots_;
    uint16_t next_descriptor_ = 0;
};

} // namespace vireo::virtio::test
