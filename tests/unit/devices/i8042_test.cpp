#include <gtest/gtest.h>

#include "devices/legacy/i8042.h"
#include "fakes.h"
#include "x86/pc_layout.h"

namespace vireo {
namespace {

using test::read_port;
using test::write_port;

constexpr uint8_t kOutputFull = 0x01;
constexpr uint8_t kInputFull = 0x02;

class I8042Test : public ::testing::Test {
protected:
    I8042Test() {
        for (auto const& range : I8042::ranges(controller_)) {
            if (range.base == pc::kI8042DataPort)
                data_ = range.device;
            if (range.base == pc::kI8042CommandPort)
                command_ = range.device;
        }
    }
    uint8_t status() { return static_cast<uint8_t>(read_port(*command_, 0)); }
    uint8_t data() { return static_cast<uint8_t>(read_port(*data_, 0)); }

    test::FakeMachine machine_;
    std::shared_ptr<I8042> controller_ = std::make_shared<I8042>(machine_);
    std::shared_ptr<BusDevice> data_;
    std::shared_ptr<BusDevice> command_;
};

TEST_F(I8042Test, OccupiesOnlyPorts60And64) {
    auto const ranges = I8042::ranges(controller_);
    ASSERT_EQ(ranges.size(), 2U);
    for (auto const& range : ranges)
        EXPECT_EQ(range.length, 1U);
    ASSERT_TRUE(data_ && command_);
}

// Linux's reboot path: wait until the input buffer is empty, then write 0xFE to port 0x64.
TEST_F(I8042Test, PulseResetCommandResetsMachine) {
    EXPECT_EQ(status() & (kInputFull | kOutputFull), 0);
    write_port(*command_, 0, 0xfe);
    EXPECT_EQ(machine_.resets, 1U);
    write_port(*command_, 0, 0xff); // pulses no line
    EXPECT_EQ(machine_.resets, 1U);
}

TEST_F(I8042Test, OutputPortWriteWithResetLineLowResets) {
    write_port(*command_, 0, 0xd1);
    write_port(*data_, 0, 0x03); // reset line high: nothing
    EXPECT_EQ(machine_.resets, 0U);
    write_port(*command_, 0, 0xd1);
    write_port(*data_, 0, 0x02);
    EXPECT_EQ(machine_.resets, 1U);
}

TEST_F(I8042Test, SelfTestAnswers55) {
    EXPECT_EQ(status() & kOutputFull, 0);
    write_port(*command_, 0, 0xaa);
    EXPECT_EQ(status() & kOutputFull, kOutputFull);
    EXPECT_EQ(data(), 0x55);
    EXPECT_EQ(status() & kOutputFull, 0);
}

TEST_F(I8042Test, CommandByteReadsBackWhatWasWritten) {
    write_port(*command_, 0, 0x60);
    write_port(*data_, 0, 0x21);
    write_port(*command_, 0, 0x20);
    EXPECT_EQ(data(), 0x21);
    write_port(*command_, 0, 0xad); // disable keyboard sets bit 4
    write_port(*command_, 0, 0x20);
    EXPECT_EQ(data(), 0x31);
    EXPECT_EQ(machine_.resets, 0U);
}

} // namespace
} // namespace vireo
