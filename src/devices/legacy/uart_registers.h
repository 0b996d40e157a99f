// Register map of the National Semiconductor PC16550D UART, as the datasheet names it
// (PC16550D datasheet, section 8 "Registers" and Table II "Summary of Registers").
#pragma once

#include <cstdint>

namespace vireo::uart {

// Offsets from the base port. With LCR.DLAB set, offsets 0 and 1 address the divisor latch.
inline constexpr uint8_t kRbrThr = 0; // receiver buffer (read) / transmitter holding (write)
inline constexpr uint8_t kIer = 1;    // interrupt enable
inline constexpr uint8_t kIirFcr = 2; // interrupt identification (read) / FIFO control (write)
inline constexpr uint8_t kLcr = 3;    // line control
inline constexpr uint8_t kMcr = 4;    // modem control
inline constexpr uint8_t kLsr = 5;    // line status
inline constexpr uint8_t kMsr = 6;    // modem status
inline constexpr uint8_t kScr = 7;    // scratch
inline constexpr uint8_t kDll = 0;    // divisor latch, low byte (DLAB = 1)
inline constexpr uint8_t kDlm = 1;    // divisor latch, high byte (DLAB = 1)
inline constexpr uint64_t kPortCount = 8;

// IER (8.7): only the low four bits exist on a 16550; the upper four read as zero, which
// Linux's 8250 autoconfig checks.
inline constexpr uint8_t kIerRxData = 1 << 0;      // ERBFI: received data available
inline constexpr uint8_t kIerThrEmpty = 1 << 1;    // ETBEI: transmitter holding register empty
inline constexpr uint8_t kIerLineStatus = 1 << 2;  // ELSI: receiver line status
inline constexpr uint8_t kIerModemStatus = 1 << 3; // EDSSI: modem status
inline constexpr uint8_t kIerMask = 0x0f;

// IIR (8.6, Table IV "Interrupt Control Functions"): bit 0 clear means an interrupt is
// pending; bits 3:1 name the highest-priority one; bits 7:6 are set while the FIFOs are on.
inline constexpr uint8_t kIirNoInterrupt = 0x01;
inline constexpr uint8_t kIirLineStatus = 0x06;  // priority 1
inline constexpr uint8_t kIirRxData = 0x04;      // priority 2
inline constexpr uint8_t kIirRxTimeout = 0x0c;   // priority 2 (FIFO mode only)
inline constexpr uint8_t kIirThrEmpty = 0x02;    // priority 3
inline constexpr uint8_t kIirModemStatus = 0x00; // priority 4
inline constexpr uint8_t kIirFifosEnabled = 0xc0;

// FCR (8.5).
inline constexpr uint8_t kFcrEnable = 1 << 0;
inline constexpr uint8_t kFcrClearRx = 1 << 1;
inline constexpr uint8_t kFcrClearTx = 1 << 2;
inline constexpr uint8_t kFcrTriggerShift = 6; // bits 7:6 select 1, 4, 8 or 14 bytes
inline constexpr uint8_t kRxTriggerLevels[4] = {1, 4, 8, 14};
inline constexpr unsigned kFifoSize = 16;

// LCR (8.1).
inline constexpr uint8_t kLcrDlab = 1 << 7;

// MCR (8.8): bits 7:5 are always zero on a 16550.
inline constexpr uint8_t kMcrDtr = 1 << 0;
inline constexpr uint8_t kMcrRts = 1 << 1;
inline constexpr uint8_t kMcrOut1 = 1 << 2;
inline constexpr uint8_t kMcrOut2 = 1 << 3; // gates the IRQ line on PC serial ports
inline constexpr uint8_t kMcrLoop = 1 << 4;
inline constexpr uint8_t kMcrMask = 0x1f;

// LSR (8.4).
inline constexpr uint8_t kLsrDataReady = 1 << 0;
inline constexpr uint8_t kLsrOverrun = 1 << 1;
inline constexpr uint8_t kLsrParity = 1 << 2;
inline constexpr uint8_t kLsrFraming = 1 << 3;
inline constexpr uint8_t kLsrBreak = 1 << 4;
inline constexpr uint8_t kLsrThrEmpty = 1 << 5;
inline constexpr uint8_t kLsrTransmitterEmpty = 1 << 6;
inline constexpr uint8_t kLsrErrors = kLsrOverrun | kLsrParity | kLsrFraming | kLsrBreak;

// MSR (8.9): bits 3:0 record changes since the last MSR read, bits 7:4 the current lines.
inline constexpr uint8_t kMsrDeltaCts = 1 << 0;
inline constexpr uint8_t kMsrDeltaDsr = 1 << 1;
inline constexpr uint8_t kMsrTrailingRi = 1 << 2;
inline constexpr uint8_t kMsrDeltaDcd = 1 << 3;
inline constexpr uint8_t kMsrCts = 1 << 4;
inline constexpr uint8_t kMsrDsr = 1 << 5;
inline constexpr uint8_t kMsrRi = 1 << 6;
inline constexpr uint8_t kMsrDcd = 1 << 7;
inline constexpr uint8_t kMsrDeltas = 0x0f;

} // namespace vireo::uart
