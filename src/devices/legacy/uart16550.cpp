#include "devices/legacy/uart16550.h"

#include "base/trace.h"

namespace vireo {

using namespace uart;

Uart16550::Uart16550(IrqLine& irq, CharSink& output)
    : irq_(irq)
    , output_(output) {
    msr_ = modem_lines();
}

// The UART is byte-wide: a wider port access reaches consecutive registers, as an ISA bus
// splits it into byte cycles.
void Uart16550::read(uint64_t offset, std::span<uint8_t> data) {
    bool ready = false;
    IrqSample sample;
    {
        std::lock_guard lock(mutex_);
        for (size_t i = 0; i < data.size(); ++i) {
            uint64_t const reg = offset + i;
            data[i] = reg < kPortCount ? read_register(static_cast<uint8_t>(reg)) : 0xff;
        }
        ready = take_room_notice();
        sample = irq_.sample(irq_level());
    }
    finish(ready, sample);
}

void Uart16550::write(uint64_t offset, std::span<uint8_t const> data) {
    bool ready = false;
    IrqSample sample;
    {
        std::lock_guard lock(mutex_);
        for (size_t i = 0; i < data.size(); ++i) {
            uint64_t const reg = offset + i;
            if (reg < kPortCount)
                write_register(static_cast<uint8_t>(reg), data[i]);
        }
        ready = take_room_notice();
        sample = irq_.sample(irq_level());
    }
    finish(ready, sample);
}

size_t Uart16550::receive(std::span<uint8_t const> bytes) {
    IrqSample sample;
    size_t taken = 0;
    {
        std::lock_guard lock(mutex_);
        if (!input_blocked()) {
            while (taken < bytes.size() && rx_push(bytes[taken]))
                ++taken;
        }
        if (taken < bytes.size())
            input_waiting_ = true;
        sample = irq_.sample(irq_level());
    }
    VIREO_TRACE(Serial, "receive {} of {} bytes", taken, bytes.size());
    irq_.apply(sample);
    return taken;
}

bool Uart16550::can_receive() {
    std::lock_guard lock(mutex_);
    if (input_blocked() || rx_count_ == rx_capacity()) {
        input_waiting_ = true;
        return false;
    }
    return true;
}

void Uart16550::set_ready_callback(std::function<void()> callback) {
    std::lock_guard lock(mutex_);
    ready_callback_ = std::move(callback);
}

void Uart16550::finish(bool notify_ready, IrqSample sample) {
    irq_.apply(sample);
    if (!notify_ready)
        return;
    std::function<void()> callback;
    {
        std::lock_guard lock(mutex_);
        callback = ready_callback_;
    }
    if (callback)
        callback();
}

// In loopback mode the serial input is disconnected from the receiver (PC16550D 8.8), so the
// back end keeps its bytes until the guest leaves loopback.
bool Uart16550::input_blocked() const {
    return (mcr_ & kMcrLoop) != 0;
}

// True once, when the FIFO has room again after the back end was refused: the caller then
// tells the back end to resume.
bool Uart16550::take_room_notice() {
    if (!input_waiting_ || input_blocked() || rx_count_ == rx_capacity())
        return false;
    input_waiting_ = false;
    return true;
}

// The IRQ line is "an interrupt is pending", gated by OUT2 as PC serial ports wire it. In
// loopback mode OUT2 is disconnected from its pin (PC16550D 8.8), so the line stays low.
bool Uart16550::irq_level() const {
    return pending_interrupt() != kIirNoInterrupt && (mcr_ & kMcrOut2) && !(mcr_ & kMcrLoop);
}

uint8_t Uart16550::read_register(uint8_t reg) {
    bool const dlab = (lcr_ & kLcrDlab) != 0;
    switch (reg) {
    case kRbrThr:
        return dlab ? static_cast<uint8_t>(divisor_) : read_rbr();
    case kIer:
        return dlab ? static_cast<uint8_t>(divisor_ >> 8) : ier_;
    case kIirFcr:
        return read_iir();
    case kLcr:
        return lcr_;
    case kMcr:
        return mcr_;
    case kLsr:
        return read_lsr();
    case kMsr:
        return read_msr();
    default:
        return scr_;
    }
}

void Uart16550::write_register(uint8_t reg, uint8_t value) {
    bool const dlab = (lcr_ & kLcrDlab) != 0;
    switch (reg) {
    case kRbrThr:
        if (dlab)
            divisor_ = static_cast<uint16_t>((divisor_ & 0xff00) | value);
        else
            write_thr(value);
        break;
    case kIer:
        if (dlab)
            divisor_ = static_cast<uint16_t>((divisor_ & 0x00ff) | (value << 8));
        else
            write_ier(value);
        break;
    case kIirFcr:
        write_fcr(value);
        break;
    case kLcr:
        if ((value ^ lcr_) & kLcrDlab)
            VIREO_TRACE(Serial, "LCR {:#x}, divisor {}", value, divisor_);
        lcr_ = value;
        break;
    case kMcr:
        write_mcr(value);
        break;
    case kScr:
        scr_ = value;
        break;
    default:
        // LSR and MSR are read-only; the datasheet reserves writes to them for factory test.
        break;
    }
}

uint8_t Uart16550::read_rbr() {
    if (rx_count_ == 0)
        return 0;
    uint8_t const byte = rx_[rx_head_];
    rx_head_ = (rx_head_ + 1) % rx_.size();
    --rx_count_;
    return byte;
}

// Reading IIR while it reports THR empty clears that interrupt (PC16550D Table IV).
uint8_t Uart16550::read_iir() {
    uint8_t const id = pending_interrupt();
    if (id == kIirThrEmpty)
        thr_interrupt_ = false;
    return static_cast<uint8_t>(id | (fifo_enabled_ ? kIirFifosEnabled : 0));
}

// Reading LSR clears the latched error bits and with them the line status interrupt (8.4).
uint8_t Uart16550::read_lsr() {
    uint8_t value = kLsrThrEmpty | kLsrTransmitterEmpty | line_errors_;
    if (rx_count_ > 0)
        value |= kLsrDataReady;
    line_errors_ = 0;
    return value;
}

// Reading MSR clears the change bits and with them the modem status interrupt (8.9).
uint8_t Uart16550::read_msr() {
    uint8_t const value = msr_;
    msr_ &= static_cast<uint8_t>(~kMsrDeltas);
    return value;
}

void Uart16550::write_thr(uint8_t value) {
    if (mcr_ & kMcrLoop) {
        // Loopback connects the transmitter to the receiver (8.8). A byte that finds the FIFO
        // full is the guest's overrun, reported as one.
        if (!rx_push(value))
            line_errors_ |= kLsrOverrun;
    } else {
        output_.write(std::span(&value, 1));
    }
    // Writing THR clears the THRE interrupt; the byte leaves at once, so THR is empty again
    // and the interrupt is pending anew, as when real hardware finishes shifting a byte out.
    thr_interrupt_ = true;
}

// Enabling the THRE interrupt while THR is empty raises it even if an IIR read cleared it
// before. Linux's 8250 driver relies on this: its start-up test toggles IER.ETBEI and expects
// the interrupt back, and it re-enables ETBEI to kick transmission. The datasheet does not say
// so; like QEMU and Bochs, vireo re-arms on the rising edge of ETBEI.
void Uart16550::write_ier(uint8_t value) {
    uint8_t const old = ier_;
    ier_ = value & kIerMask;
    if ((ier_ & kIerThrEmpty) && !(old & kIerThrEmpty))
        thr_interrupt_ = true;
}

// FCR (8.5): changing the FIFO enable bit clears both FIFOs; the other bits only take effect
// while the FIFOs are enabled.
void Uart16550::write_fcr(uint8_t value) {
    bool const enable = (value & kFcrEnable) != 0;
    if (enable != fifo_enabled_)
        rx_clear();
    fifo_enabled_ = enable;
    if (!enable)
        return;
    if (value & kFcrClearRx)
        rx_clear();
    rx_trigger_ = kRxTriggerLevels[value >> kFcrTriggerShift];
}

void Uart16550::write_mcr(uint8_t value) {
    mcr_ = value & kMcrMask;
    uint8_t const lines = modem_lines();
    uint8_t const old = msr_;
    uint8_t deltas = 0;
    if ((lines ^ old) & kMsrCts)
        deltas |= kMsrDeltaCts;
    if ((lines ^ old) & kMsrDsr)
        deltas |= kMsrDeltaDsr;
    if ((old & kMsrRi) && !(lines & kMsrRi))
        deltas |= kMsrTrailingRi;
    if ((lines ^ old) & kMsrDcd)
        deltas |= kMsrDeltaDcd;
    msr_ = static_cast<uint8_t>(lines | (old & kMsrDeltas) | deltas);
}

// Outside loopback the console behaves as a connected, ready terminal: CTS, DSR and DCD
// asserted, no ring. In loopback the MCR outputs drive the inputs: RTS->CTS, DTR->DSR,
// OUT1->RI, OUT2->DCD (8.8).
uint8_t Uart16550::modem_lines() const {
    if (!(mcr_ & kMcrLoop))
        return kMsrCts | kMsrDsr | kMsrDcd;
    uint8_t lines = 0;
    if (mcr_ & kMcrRts)
        lines |= kMsrCts;
    if (mcr_ & kMcrDtr)
        lines |= kMsrDsr;
    if (mcr_ & kMcrOut1)
        lines |= kMsrRi;
    if (mcr_ & kMcrOut2)
        lines |= kMsrDcd;
    return lines;
}

// Interrupt priorities of PC16550D Table IV: line status, then received data (or its
// timeout), then THR empty, then modem status.
//
// The character timeout (data below the trigger level, no activity for four character times)
// is reported as soon as data sits below the trigger level: the back end hands over input in
// bursts, and by the time the guest can look, the line has gone quiet. This keeps a single
// typed character from waiting for more input.
uint8_t Uart16550::pending_interrupt() const {
    if ((ier_ & kIerLineStatus) && line_errors_ != 0)
        return kIirLineStatus;
    if ((ier_ & kIerRxData) && rx_count_ > 0) {
        if (fifo_enabled_ && rx_count_ < rx_trigger_)
            return kIirRxTimeout;
        return kIirRxData;
    }
    if ((ier_ & kIerThrEmpty) && thr_interrupt_)
        return kIirThrEmpty;
    if ((ier_ & kIerModemStatus) && (msr_ & kMsrDeltas))
        return kIirModemStatus;
    return kIirNoInterrupt;
}

// Without FIFOs the 16550 behaves as a 16450 with a one-byte receiver buffer.
size_t Uart16550::rx_capacity() const {
    return fifo_enabled_ ? rx_.size() : 1;
}

bool Uart16550::rx_push(uint8_t byte) {
    if (rx_count_ == rx_capacity())
        return false;
    rx_[(rx_head_ + rx_count_) % rx_.size()] = byte;
    ++rx_count_;
    return true;
}

void Uart16550::rx_clear() {
    rx_head_ = 0;
    rx_count_ = 0;
}

} // namespace vireo
