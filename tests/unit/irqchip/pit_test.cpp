// The 8254 timer (8254 datasheet) and port 61h, with channel 0's OUT on a recorded line.
#include "irqchip/pit8254.h"
#include "irqchip_test_util.h"

namespace vireo::irqchip::test {
namespace {

constexpr uint16_t kChannel0 = 0x40;
constexpr uint16_t kChannel2 = 0x42;
constexpr uint16_t kControl = 0x43;
constexpr uint16_t kPortB = 0x61;
// Linux's LATCH for HZ=250: (PIT_TICK_RATE + HZ / 2) / HZ.
constexpr uint64_t kLatch = 4773;

uint64_t pit_ns(uint64_t ticks) {
    return ns_for_ticks(ticks, kPitHz);
}

class PitTest : public ::testing::Test {
protected:
    PitTest()
        : clock(kStartNs)
        , pit(clock, &irq0) {}

    void program(uint16_t port, uint8_t control, uint16_t count) {
        outb(pit, kControl, control);
        outb(pit, port, static_cast<uint8_t>(count));
        outb(pit, port, static_cast<uint8_t>(count >> 8));
    }
    uint16_t latched_count(unsigned channel) {
        outb(pit, kControl, static_cast<uint8_t>(channel << 6)); // counter latch
        uint8_t const lsb = inb(pit, kChannel0 + channel);
        return static_cast<uint16_t>(lsb | (inb(pit, kChannel0 + channel) << 8));
    }
    uint8_t status(unsigned channel) {
        outb(pit, kControl, static_cast<uint8_t>(0xe0 | (2U << channel))); // read-back status
        return inb(pit, kChannel0 + channel);
    }
    void advance_to(uint64_t ns) {
        clock.set(ns);
        pit.update_timers(ns);
    }

    ManualClock clock;
    RecordingLine irq0;
    Pit8254 pit;
};

TEST_F(PitTest, Mode2IsAPeriodicRateGenerator) {
    uint64_t const start = clock.now_ns();
    program(kChannel0, 0x34, kLatch); // channel 0, lobyte/hibyte, mode 2, binary
    EXPECT_TRUE(irq0.level());        // OUT goes high when mode 2 is set
    unsigned const edges_after_setup = irq0.rising_edges;
    ASSERT_EQ(pit.next_deadline_ns(), start + pit_ns(kLatch));

    clock.set(start + pit_ns(1000));
    EXPECT_EQ(latched_count(0), kLatch - 1000);
    advance_to(start + pit_ns(kLatch) - 1);
    EXPECT_EQ(irq0.rising_edges, edges_after_setup);
    advance_to(start + pit_ns(kLatch));
    EXPECT_EQ(irq0.rising_edges, edges_after_setup + 1);
    EXPECT_TRUE(irq0.level());
    EXPECT_EQ(pit.next_deadline_ns(), start + pit_ns(2 * kLatch));
    for (uint64_t period = 2; period <= 10; ++period)
        advance_to(start + pit_ns(period * kLatch));
    EXPECT_EQ(irq0.rising_edges, edges_after_setup + 10);
    // Missed periods collapse into one edge.
    advance_to(start + pit_ns(20 * kLatch));
    EXPECT_EQ(irq0.rising_edges, edges_after_setup + 11);
    EXPECT_EQ(pit.next_deadline_ns(), start + pit_ns(21 * kLatch));
}

TEST_F(PitTest, Mode3SquareWaveOutputAndEdges) {
    uint64_t const start = clock.now_ns();
    program(kChannel0, 0x36, 1000); // mode 3
    EXPECT_NE(status(0) & 0x80, 0);
    clock.set(start + pit_ns(499));
    EXPECT_NE(status(0) & 0x80, 0);
    clock.set(start + pit_ns(500));
    EXPECT_EQ(status(0) & 0x80, 0); // second half: low
    advance_to(start + pit_ns(600));
    EXPECT_FALSE(irq0.level());
    unsigned const edges = irq0.rising_edges;
    advance_to(start + pit_ns(1000));
    EXPECT_EQ(irq0.rising_edges, edges + 1);
    EXPECT_TRUE(irq0.level());
}

TEST_F(PitTest, Mode0InterruptsOnceOnTerminalCount) {
    uint64_t const start = clock.now_ns();
    program(kChannel0, 0x30, 100); // mode 0
    EXPECT_FALSE(irq0.level());
    EXPECT_EQ(status(0) & 0xbf, 0x30); // OUT low, lobyte/hibyte, mode 0
    advance_to(start + pit_ns(99));
    EXPECT_FALSE(irq0.level());
    advance_to(start + pit_ns(100));
    EXPECT_TRUE(irq0.level());
    EXPECT_EQ(irq0.rising_edges, 1U);
    EXPECT_EQ(pit.next_deadline_ns(), std::nullopt);
    // The counter wraps and keeps counting after terminal count.
    clock.set(start + pit_ns(101));
    EXPECT_EQ(latched_count(0), 0xffff);
    advance_to(start + pit_ns(100'000));
    EXPECT_EQ(irq0.rising_edges, 1U);
}

TEST_F(PitTest, Linux61ShutdownModeZeroCountZero) {
    // pit_shutdown(): mode 0 with a zero count means 65536 clocks, then one edge.
    uint64_t const start = clock.now_ns();
    program(kChannel0, 0x30, 0);
    EXPECT_EQ(pit.next_deadline_ns(), start + pit_ns(65536));
}

TEST_F(PitTest, Channel2GateAndOutThroughPortB) {
    uint64_t const start = clock.now_ns();
    // pit_calibrate_tsc(): gate on, speaker off; channel 2 mode 0.
    outb(pit, kPortB, (inb(pit, kPortB) & ~0x02) | 0x01);
    program(kChannel2, 0xb0, 1000);
    EXPECT_EQ(inb(pit, kPortB) & 0x20, 0);
    clock.set(start + pit_ns(999));
    EXPECT_EQ(inb(pit, kPortB) & 0x20, 0);
    clock.set(start + pit_ns(1000));
    EXPECT_EQ(inb(pit, kPortB) & 0x21, 0x21);
    // Channel 2 never touches IRQ 0.
    EXPECT_EQ(irq0.rising_edges, 0U);
}

TEST_F(PitTest, GateLowPausesMode0) {
    uint64_t const start = clock.now_ns();
    outb(pit, kPortB, 0x01);
    program(kChannel2, 0xb0, 1000);
    clock.set(start + pit_ns(400));
    outb(pit, kPortB, 0x00); // gate low: the count holds
    clock.set(start + pit_ns(5000));
    EXPECT_EQ(latched_count(2), 600);
    EXPECT_EQ(inb(pit, kPortB) & 0x20, 0);
    outb(pit, kPortB, 0x01);
    uint64_t const resumed = clock.now_ns();
    clock.set(resumed + pit_ns(599));
    EXPECT_EQ(inb(pit, kPortB) & 0x20, 0);
    clock.set(resumed + pit_ns(600));
    EXPECT_NE(inb(pit, kPortB) & 0x20, 0);
}

TEST_F(PitTest, RefreshToggleBitChanges) {
    uint8_t const first = inb(pit, kPortB) & 0x10;
    clock.advance(15'085);
    EXPECT_NE(inb(pit, kPortB) & 0x10, first);
}

TEST_F(PitTest, ReadBackLatchesCountAndStatus) {
    uint64_t const start = clock.now_ns();
    program(kChannel0, 0x34, kLatch);
    clock.set(start + pit_ns(100));
    outb(pit, kControl, 0xc2); // read-back count and status of channel 0
    clock.set(start + pit_ns(2000));
    EXPECT_EQ(inb(pit, kChannel0), 0xb4); // status first: OUT high, lo/hi, mode 2
    uint8_t const lsb = inb(pit, kChannel0);
    uint8_t const msb = inb(pit, kChannel0);
    EXPECT_EQ(lsb | (msb << 8), kLatch - 100);
}

TEST_F(PitTest, LobyteOnlyAccessAndBcd) {
    uint64_t const start = clock.now_ns();
    outb(pit, kControl, 0x14); // channel 0, lobyte only, mode 2
    outb(pit, kChannel0, 200);
    clock.set(start + pit_ns(50));
    EXPECT_EQ(inb(pit, kChannel0), 150);
    EXPECT_EQ(pit.next_deadline_ns(), start + pit_ns(200));

    outb(pit, kControl, 0x35); // lobyte/hibyte, mode 2, BCD
    outb(pit, kChannel0, 0x00);
    outb(pit, kChannel0, 0x10); // 1000 decimal
    uint64_t const bcd_start = clock.now_ns();
    EXPECT_EQ(pit.next_deadline_ns(), bcd_start + pit_ns(1000));
    clock.set(bcd_start + pit_ns(1));
    EXPECT_EQ(latched_count(0), 0x0999);
}

TEST_F(PitTest, TimerChangedCallbackRunsOnChannel0Programming) {
    unsigned changes = 0;
    pit.set_timer_changed_callback([&changes] { ++changes; });
    program(kChannel0, 0x34, kLatch);
    EXPECT_EQ(changes, 2U); // the control word and the completed count
    program(kChannel2, 0xb0, 10);
    EXPECT_EQ(changes, 2U);
}

} // namespace
} // namespace vireo::irqchip::test
