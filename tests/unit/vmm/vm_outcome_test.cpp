#include <csignal>

#include <gtest/gtest.h>

#include "vmm/vm_outcome.h"

namespace vireo {
namespace {

VmOutcome outcome(VmOutcome::Kind kind, uint32_t value = 0, int signal = 0) {
    VmOutcome result;
    result.kind = kind;
    result.debug_value = value;
    result.signal = signal;
    return result;
}

TEST(ExitStatus, FollowsTheDocumentedTable) {
    EXPECT_EQ(exit_status_for(outcome(VmOutcome::Kind::PoweredOff)), 0);
    EXPECT_EQ(exit_status_for(outcome(VmOutcome::Kind::Reset)), 0);
    EXPECT_EQ(exit_status_for(outcome(VmOutcome::Kind::DebugExit, 0)), 1);
    EXPECT_EQ(exit_status_for(outcome(VmOutcome::Kind::DebugExit, 42)), 85);
    // Only the low eight bits reach the shell, as with QEMU's isa-debug-exit.
    EXPECT_EQ(exit_status_for(outcome(VmOutcome::Kind::DebugExit, 0x80)), 1);
    EXPECT_EQ(exit_status_for(outcome(VmOutcome::Kind::TripleFault)), kExitTripleFault);
    EXPECT_EQ(exit_status_for(outcome(VmOutcome::Kind::InternalError)), kExitInternalError);
    EXPECT_EQ(exit_status_for(outcome(VmOutcome::Kind::Stopped, 0, SIGTERM)), 128 + SIGTERM);
}

TEST(ExitStatus, ErrorCodesAreEvenSoTheyNeverLookLikeADebugExit) {
    for (int code : {kExitUsage, kExitTripleFault, kExitInternalError})
        EXPECT_EQ(code % 2, 0);
}

} // namespace
} // namespace vireo
