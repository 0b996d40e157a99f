#include <gtest/gtest.h>

#include "devices/legacy/uart16550.h"
#include "fakes.h"

namespace vireo {
namespace {

using namespace uart;
using test::read_port;
using test::write_port;

class UartTest : public ::testing::Test {
protected:
    uint8_t in(uint8_t reg) { return static_cast<uint8_t>(read_port(uart_, reg)); }
    void out(uint8_t reg, uint8_t value) { write_port(uart_, reg, value); }
    size_t type(std::string_view text) {
        return uart_.receive(std::span(reinterpret_cast<uint8_t const*>(text.data()), text.size()));
    }

    test::FakeIrqLine irq_;
    test::RecordingSink sink_;
    Uart16550 uart_{irq_, sink_};
};

// The checks of Linux's drivers/tty/serial/8250/8250_port.c autoconfig(), in its order.
TEST_F(UartTest, PassesLinux8250AutoconfigProbe) {
    // IER test: zero reads back as zero, 0x0f as 0x0f.
    out(kIer, 0);
    EXPECT_EQ(in(kIer)&0x0f, 0);
    out(kIer, 0x0f);
    EXPECT_EQ(in(kIer)&0x0f, 0x0f);
    out(kIer, 0);

    // Loopback test: MCR = LOOP | OUT2 | RTS must show DCD and CTS.
    out(kMcr, kMcrLoop | 0x0a);
    EXPECT_EQ(in(kMsr)&0xf0, 0x90);
    out(kMcr, 0);

    // FIFO detection: IIR bits 7:6 = 11 means a 16550A.
    out(kLcr, 0xbf);
    out(kIirFcr, 0); // EFR on a 16650, FCR here
    out(kLcr, 0);
    out(kIirFcr, kFcrEnable);
    EXPECT_EQ(in(kIirFcr) >> 6, 3);

    // autoconfig_16550a: with DLAB set, offset 2 must not read as an EFR (zero), and IER
    // bit 6 (XScale UUE) must not stick.
    out(kLcr, 0x80);
    EXPECT_NE(in(kIirFcr), 0);
    out(kLcr, 0xbf);
    EXPECT_NE(in(kIirFcr), 0);
    out(kLcr, 0);
    out(kIer, 0x40);
    EXPECT_EQ(in(kIer)&0x40, 0);
    out(kIer, 0);

    // Scratch register.
    out(kScr, 0xa5);
    EXPECT_EQ(in(kScr), 0xa5);
}

// serial8250_do_startup's THRE test: enabling ETBEI raises THRE, an IIR read clears it, and
// toggling ETBEI raises it again (otherwise Linux marks the port UART_BUG_THRE).
TEST_F(UartTest, ThreInterruptRearmsOnIerWrite) {
    out(kIirFcr, kFcrEnable);
    out(kIer, kIerThrEmpty);
    EXPECT_EQ(in(kIirFcr), 0xc2);
    EXPECT_EQ(in(kIirFcr), 0xc1); // cleared by the read
    out(kIer, 0);
    out(kIer, kIerThrEmpty);
    EXPECT_EQ(in(kIirFcr), 0xc2);
    EXPECT_TRUE(in(kLsr)&kLsrThrEmpty);
}

TEST_F(UartTest, ThrWriteGoesToSinkAndRearmsThre) {
    out(kIer, kIerThrEmpty);
    EXPECT_EQ(in(kIirFcr), kIirThrEmpty);
    out(kRbrThr, 'h');
    out(kRbrThr, 'i');
    EXPECT_EQ(std::string(sink_.bytes_.begin(), sink_.bytes_.end()), "hi");
    EXPECT_EQ(in(kIirFcr), kIirThrEmpty);
}

TEST_F(UartTest, FifoTriggerLevelsSelectDataOrTimeout) {
    out(kIirFcr, kFcrEnable | (2 << kFcrTriggerShift)); // trigger at 8 bytes
    out(kIer, kIerRxData);
    EXPECT_EQ(type("abcdefghijklmnopqrst"), 16U); // the FIFO holds 16
    EXPECT_EQ(in(kIirFcr), 0xc4);
    for (int i = 0; i < 9; ++i)
        in(kRbrThr);
    EXPECT_EQ(in(kIirFcr), 0xcc); // 7 left, below the trigger: timeout indication
    std::string rest;
    while (in(kLsr)&kLsrDataReady)
        rest.push_back(static_cast<char>(in(kRbrThr)));
    EXPECT_EQ(rest, "jklmnop");
    EXPECT_EQ(in(kIirFcr), 0xc1);
}

TEST_F(UartTest, FcrClearsReceiveFifo) {
    out(kIirFcr, kFcrEnable);
    type("xyz");
    out(kIirFcr, kFcrEnable | kFcrClearRx);
    EXPECT_FALSE(in(kLsr)&kLsrDataReady);
}

TEST_F(UartTest, WithoutFifoHoldsOneByte) {
    EXPECT_EQ(type("ab"), 1U);
    EXPECT_EQ(in(kIirFcr)&0xc0, 0); // FIFOs off
    EXPECT_EQ(in(kRbrThr), 'a');
    EXPECT_EQ(type("b"), 1U);
    EXPECT_EQ(in(kRbrThr), 'b');
}

TEST_F(UartTest, IrqLineFollowsPendingInterruptGatedByOut2) {
    out(kIirFcr, kFcrEnable);
    out(kIer, kIerRxData);
    type("k");
    EXPECT_FALSE(irq_.level()); // OUT2 clear: the PC's IRQ buffer is off
    out(kMcr, kMcrOut2 | kMcrDtr | kMcrRts);
    EXPECT_TRUE(irq_.level());
    in(kRbrThr);
    EXPECT_FALSE(irq_.level());
    type("l");
    EXPECT_TRUE(irq_.level());
    EXPECT_EQ(irq_.times_raised(), 2U);
}

TEST_F(UartTest, InterruptPriorities) {
    out(kIirFcr, kFcrEnable);
    out(kMcr, kMcrLoop);
    out(kIer, kIerRxData | kIerThrEmpty | kIerLineStatus | kIerModemStatus);
    for (int i = 0; i < 17; ++i) // one more than the FIFO holds: overrun
        out(kRbrThr, static_cast<uint8_t>('a' + i));
    out(kMcr, kMcrLoop | kMcrRts); // CTS changes: modem status pending too
    EXPECT_EQ(in(kIirFcr), 0xc6);  // line status first
    EXPECT_TRUE(in(kLsr)&kLsrOverrun);
    EXPECT_EQ(in(kIirFcr), 0xc4); // then received data
    while (in(kLsr)&kLsrDataReady)
        in(kRbrThr);
    EXPECT_EQ(in(kIirFcr), 0xc2); // then THR empty, cleared by this read
    EXPECT_EQ(in(kIirFcr), 0xc0); // then modem status
    EXPECT_EQ(in(kMsr)&kMsrDeltaCts, kMsrDeltaCts);
    EXPECT_EQ(in(kIirFcr), 0xc1);
}

TEST_F(UartTest, LoopbackRoutesTransmitterToReceiverAndModemLines) {
    out(kMcr, kMcrLoop | kMcrDtr | kMcrOut1);
    EXPECT_EQ(in(kMsr)&0xf0, kMsrDsr | kMsrRi);
    out(kRbrThr, 0x5a);
    EXPECT_TRUE(sink_.bytes_.empty());
    EXPECT_EQ(in(kRbrThr), 0x5a);
    out(kMcr, kMcrLoop);
    EXPECT_EQ(in(kMsr), kMsrTrailingRi | kMsrDeltaDsr);
    EXPECT_EQ(in(kMsr), 0); // change bits cleared by the read
}

TEST_F(UartTest, DivisorLatchShadowsRbrAndIer) {
    out(kIer, 0x05);
    out(kLcr, kLcrDlab | 0x03);
    out(kDll, 0x01);
    out(kDlm, 0x00);
    EXPECT_EQ(in(kDll), 0x01);
    EXPECT_EQ(in(kDlm), 0x00);
    EXPECT_TRUE(sink_.bytes_.empty()); // the DLL write did not transmit
    out(kLcr, 0x03);
    EXPECT_EQ(in(kIer), 0x05);
    EXPECT_EQ(in(kLcr), 0x03);
}

TEST_F(UartTest, WideAccessReachesConsecutiveRegisters) {
    write_port(uart_, kLcr, 0x0b03, 2); // LCR = 0x03, MCR = 0x0b
    EXPECT_EQ(in(kLcr), 0x03);
    EXPECT_EQ(in(kMcr), 0x0b);
}

TEST_F(UartTest, FlowControlNeverDropsInput) {
    int ready_calls = 0;
    uart_.set_ready_callback([&] { ++ready_calls; });
    out(kIirFcr, kFcrEnable);
    std::string const text = "0123456789abcdefXYZ";
    size_t taken = type(text);
    EXPECT_EQ(taken, 16U);
    EXPECT_FALSE(uart_.can_receive());
    EXPECT_EQ(ready_calls, 0);
    std::string got;
    got.push_back(static_cast<char>(in(kRbrThr)));
    EXPECT_EQ(ready_calls, 1); // room again: the back end is told once
    EXPECT_TRUE(uart_.can_receive());
    taken += type(std::string_view(text).substr(taken));
    while (in(kLsr)&kLsrDataReady)
        got.push_back(static_cast<char>(in(kRbrThr)));
    EXPECT_EQ(got, "0123456789abcdef" + std::string("X"));
    taken += type(std::string_view(text).substr(taken));
    while (in(kLsr)&kLsrDataReady)
        got.push_back(static_cast<char>(in(kRbrThr)));
    EXPECT_EQ(got, text);
    EXPECT_EQ(taken, text.size());
}

TEST_F(UartTest, LoopbackHoldsBackendInputUntilItEnds) {
    int ready_calls = 0;
    uart_.set_ready_callback([&] { ++ready_calls; });
    out(kIirFcr, kFcrEnable);
    out(kMcr, kMcrLoop);
    EXPECT_FALSE(uart_.can_receive());
    EXPECT_EQ(type("q"), 0U);
    out(kMcr, kMcrOut2);
    EXPECT_EQ(ready_calls, 1);
    EXPECT_EQ(type("q"), 1U);
}

} // namespace
} // namespace vireo
