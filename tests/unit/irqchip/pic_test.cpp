// The cascaded 8259A pair (8259A datasheet) and the PIIX4 ELCR.
#include "irqchip/pic8259_pair.h"
#include "irqchip_test_util.h"

namespace vireo::irqchip::test {
namespace {

constexpr uint16_t kMasterCmd = 0x20;
constexpr uint16_t kMasterData = 0x21;
constexpr uint16_t kSlaveCmd = 0xa0;
constexpr uint16_t kSlaveData = 0xa1;
constexpr uint8_t kMasterBase = 0x30; // Linux's ISA_IRQ_VECTOR(0)
constexpr uint8_t kSlaveBase = 0x38;
constexpr uint8_t kReadIrr = 0x0a;
constexpr uint8_t kReadIsr = 0x0b;
constexpr uint8_t kNonSpecificEoi = 0x20;

class PicTest : public ::testing::Test {
protected:
    PicTest() {
        pic.set_output([this](bool level) {
            intr = level;
            ++transitions;
        });
    }

    // The sequence of Linux's init_8259A() (arch/x86/kernel/i8259.c).
    void init(bool auto_eoi = false) {
        outb(pic, kMasterData, 0xff);
        outb(pic, kSlaveData, 0xff);
        outb(pic, kMasterCmd, 0x11); // ICW1: edge, cascade, ICW4 needed
        outb(pic, kMasterData, kMasterBase);
        outb(pic, kMasterData, 0x04); // slave on IR2
        outb(pic, kMasterData, auto_eoi ? 0x03 : 0x01);
        outb(pic, kSlaveCmd, 0x11);
        outb(pic, kSlaveData, kSlaveBase);
        outb(pic, kSlaveData, 0x02); // slave identity
        outb(pic, kSlaveData, 0x01);
        outb(pic, kMasterData, 0x00);
        outb(pic, kSlaveData, 0x00);
    }

    uint8_t read_isr(uint16_t command_port) {
        outb(pic, command_port, kReadIsr);
        uint8_t const value = inb(pic, command_port);
        outb(pic, command_port, kReadIrr);
        return value;
    }

    Pic8259Pair pic;
    bool intr = false;
    unsigned transitions = 0;
};

TEST_F(PicTest, LinuxProbeReadsBackTheMask) {
    // probe_8259A(): mask all on the slave, all but the cascade on the master, read back.
    outb(pic, kSlaveData, 0xff);
    outb(pic, kMasterData, 0xfb);
    EXPECT_EQ(inb(pic, kMasterData), 0xfb);
    EXPECT_EQ(inb(pic, kSlaveData), 0xff);
}

TEST_F(PicTest, InitClearsMaskAndUnmaskedIrqRaisesIntr) {
    init();
    EXPECT_EQ(inb(pic, kMasterData), 0x00);
    pic.set_irq(1, true);
    EXPECT_TRUE(intr);
    EXPECT_EQ(pic.peek_vector(), kMasterBase + 1);
    EXPECT_EQ(inb(pic, kMasterCmd), 0x02); // IRR
    EXPECT_EQ(pic.acknowledge_interrupt(), kMasterBase + 1);
    EXPECT_FALSE(intr);
    EXPECT_EQ(read_isr(kMasterCmd), 0x02);
    outb(pic, kMasterCmd, kNonSpecificEoi);
    EXPECT_EQ(read_isr(kMasterCmd), 0x00);
}

TEST_F(PicTest, MaskedIrqDoesNotRaiseIntrUntilUnmasked) {
    init();
    outb(pic, kMasterData, 0x10);
    pic.set_irq(4, true);
    EXPECT_FALSE(intr);
    EXPECT_EQ(pic.peek_vector(), std::nullopt);
    outb(pic, kMasterData, 0x00);
    EXPECT_TRUE(intr);
    EXPECT_EQ(pic.peek_vector(), kMasterBase + 4);
}

TEST_F(PicTest, CascadedIrqNeedsEoiOnBothChips) {
    init();
    pic.set_irq(10, true);
    EXPECT_TRUE(intr);
    EXPECT_EQ(pic.acknowledge_interrupt(), kSlaveBase + 2);
    EXPECT_EQ(read_isr(kMasterCmd), 0x04);
    EXPECT_EQ(read_isr(kSlaveCmd), 0x04);
    // Another slave IRQ waits while the master's IR2 is in service.
    pic.set_irq(9, true);
    EXPECT_FALSE(intr);
    outb(pic, kSlaveCmd, kNonSpecificEoi);
    outb(pic, kMasterCmd, kNonSpecificEoi);
    EXPECT_TRUE(intr);
    EXPECT_EQ(pic.acknowledge_interrupt(), kSlaveBase + 1);
}

TEST_F(PicTest, FullyNestedPriority) {
    init();
    pic.set_irq(3, true);
    ASSERT_EQ(pic.acknowledge_interrupt(), kMasterBase + 3);
    pic.set_irq(5, true);
    EXPECT_FALSE(intr); // lower than IR3 in service
    pic.set_irq(1, true);
    EXPECT_TRUE(intr); // higher: nests
    EXPECT_EQ(pic.acknowledge_interrupt(), kMasterBase + 1);
    outb(pic, kMasterCmd, 0x60 | 3); // specific EOI for IR3
    EXPECT_EQ(read_isr(kMasterCmd), 0x02);
    outb(pic, kMasterCmd, kNonSpecificEoi); // ends IR1
    EXPECT_TRUE(intr);
    EXPECT_EQ(pic.acknowledge_interrupt(), kMasterBase + 5);
}

TEST_F(PicTest, RotateOnEoiMakesTheServedLevelLowest) {
    init();
    pic.set_irq(0, true);
    ASSERT_EQ(pic.acknowledge_interrupt(), kMasterBase + 0);
    outb(pic, kMasterCmd, 0xa0); // rotate on non-specific EOI
    pic.set_irq(0, false);
    pic.set_irq(0, true);
    pic.set_irq(6, true);
    // IR0 is now the lowest priority, so IR6 goes first.
    EXPECT_EQ(pic.acknowledge_interrupt(), kMasterBase + 6);
}

TEST_F(PicTest, AutoEoiLeavesIsrClear) {
    init(true);
    pic.set_irq(0, true);
    EXPECT_EQ(pic.acknowledge_interrupt(), kMasterBase);
    EXPECT_EQ(read_isr(kMasterCmd), 0x00);
    pic.set_irq(0, false);
    pic.set_irq(0, true);
    EXPECT_TRUE(intr); // no EOI needed
}

TEST_F(PicTest, PollModeAcknowledgesThroughARead) {
    init();
    pic.set_irq(6, true);
    outb(pic, kMasterCmd, 0x0c); // OCW3 poll
    EXPECT_EQ(inb(pic, kMasterCmd), 0x86);
    EXPECT_EQ(read_isr(kMasterCmd), 0x40);
    outb(pic, kMasterCmd, 0x0c);
    EXPECT_EQ(inb(pic, kMasterCmd), 0x00); // nothing left
}

TEST_F(PicTest, SpuriousInterruptIsIr7) {
    init();
    EXPECT_EQ(pic.acknowledge_interrupt(), kMasterBase + 7);
    EXPECT_EQ(read_isr(kMasterCmd), 0x00);
}

TEST_F(PicTest, ElcrMakesAnIrqLevelSensitive) {
    init();
    outb(pic, 0x4d0, 0xff);
    outb(pic, 0x4d1, 0xff);
    EXPECT_EQ(inb(pic, 0x4d0), 0xf8); // IRQ 0-2 are edge-only on PIIX4
    EXPECT_EQ(inb(pic, 0x4d1), 0xde); // so are 8 and 13
    pic.set_irq(9, true);
    ASSERT_EQ(pic.acknowledge_interrupt(), kSlaveBase + 1);
    outb(pic, kSlaveCmd, kNonSpecificEoi);
    outb(pic, kMasterCmd, kNonSpecificEoi);
    // Still asserted: requests again without a new edge.
    EXPECT_TRUE(intr);
    pic.set_irq(9, false);
    EXPECT_FALSE(intr);
}

TEST_F(PicTest, EdgeRequestNeedsANewEdgeAfterInit) {
    pic.set_irq(3, true);
    init();
    EXPECT_FALSE(intr);
    pic.set_irq(3, false);
    pic.set_irq(3, true);
    EXPECT_TRUE(intr);
}

TEST_F(PicTest, WideAccessesTouchConsecutivePorts) {
    init();
    std::array<uint8_t, 2> elcr{0x20, 0x02}; // IRQ 5 and IRQ 9 level
    pic.write(0x4d0, elcr);
    std::array<uint8_t, 2> back{};
    pic.read(0x4d0, back);
    EXPECT_EQ(back[0], 0x20);
    EXPECT_EQ(back[1], 0x02);
}

} // namespace
} // namespace vireo::irqchip::test
