#include <gtest/gtest.h>

#include "devices/legacy/debug_exit.h"
#include "fakes.h"

namespace vireo {
namespace {

TEST(DebugExit, EveryWidthPassesTheValue) {
    test::FakeMachine machine;
    DebugExit device(machine);
    test::write_port(device, 0, 0x12, 1);
    test::write_port(device, 0, 0x3456, 2);
    test::write_port(device, 0, 0x789abcde, 4);
    test::write_port(device, 2, 0x01, 1); // any of the four ports
    EXPECT_EQ(machine.exits, (std::vector<uint32_t>{0x12, 0x3456, 0x789abcde, 0x01}));
    EXPECT_EQ(machine.poweroffs + machine.resets, 0U);
}

} // namespace
} // namespace vireo
