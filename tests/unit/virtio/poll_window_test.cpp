#include <gtest/gtest.h>

#include "devices/virtio/poll_window.h"

namespace vireo::virtio {
namespace {

using std::chrono::microseconds;

TEST(PollWindow, StartsWithoutPolling) {
    EXPECT_EQ(PollWindow().window(), PollWindow::Duration::zero());
}

TEST(PollWindow, ShortSleepsGrowTheWindowUpToItsMaximum) {
    PollWindow poll;
    poll.slept(microseconds(10));
    EXPECT_EQ(poll.window(), PollWindow::kFirst);
    poll.slept(microseconds(10));
    EXPECT_EQ(poll.window(), 2 * PollWindow::kFirst);
    for (int i = 0; i < 20; ++i)
        poll.slept(PollWindow::kMax);
    EXPECT_EQ(poll.window(), PollWindow::kMax);
}

TEST(PollWindow, ALongSleepStopsPolling) {
    PollWindow poll;
    for (int i = 0; i < 20; ++i)
        poll.slept(microseconds(1));
    ASSERT_EQ(poll.window(), PollWindow::kMax);
    poll.slept(PollWindow::kMax + microseconds(1));
    EXPECT_EQ(poll.window(), PollWindow::Duration::zero());
}

} // namespace
} // namespace vireo::virtio
