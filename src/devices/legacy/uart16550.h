// A National Semiconductor PC16550D UART (COM1 is the one Linux calls ttyS0): the full
// register set, 16-byte receive FIFO, interrupts with the datasheet's priorities, loopback.
//
// Transmission is instantaneous: a byte written to THR goes to the CharSink at once, so THR
// is always empty again by the time the guest looks. Reception is flow-controlled: the console
// back end offers bytes with receive(), which takes only what fits; when the guest makes room,
// the ready callback tells the back end to offer the rest. Typed characters are never dropped.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>

#include "bus/bus_device.h"
#include "devices/legacy/irq_forwarder.h"
#include "devices/legacy/uart_registers.h"
#include "devices/machine.h"

namespace vireo {

class Uart16550 final : public BusDevice {
public:
    // `irq` and `output` must outlive the device. The device calls output.write() with its
    // own lock held (that keeps the bytes of concurrent vCPUs in order), so the sink must
    // never call into the UART from write().
    Uart16550(IrqLine& irq, CharSink& output);

    std::string_view name() const override { return "uart16550"; }
    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<uint8_t const> data) override;

    // Back-end side, safe from any thread. receive() takes as many bytes as the receive FIFO
    // has room for and returns that count.
    size_t receive(std::span<uint8_t const> bytes);
    bool can_receive();
    // Called (without the UART's lock held) when the UART can take input again after it
    // refused some: the guest read from a full FIFO, reset it, or left loopback mode.
    void set_ready_callback(std::function<void()> callback);

private:
    uint8_t read_register(uint8_t reg);
    void write_register(uint8_t reg, uint8_t value);
    uint8_t read_rbr();
    uint8_t read_iir();
    uint8_t read_lsr();
    uint8_t read_msr();
    void write_thr(uint8_t value);
    void write_ier(uint8_t value);
    void write_fcr(uint8_t value);
    void write_mcr(uint8_t value);

    uint8_t pending_interrupt() const; // an IIR identification code
    uint8_t modem_lines() const;       // MSR bits 7:4 for the current MCR
    size_t rx_capacity() const;
    bool rx_push(uint8_t byte);
    void rx_clear();
    bool input_blocked() const;
    bool take_room_notice();
    bool irq_level() const;
    void finish(bool notify_ready, IrqSample sample);

    IrqForwarder irq_;
    CharSink& output_;

    std::mutex mutex_;
    uint8_t ier_ = 0;
    uint8_t lcr_ = 0;
    uint8_t mcr_ = 0;
    uint8_t scr_ = 0;
    uint8_t msr_ = 0;
    uint8_t line_errors_ = 0; // LSR error bits latched until LSR is read
    uint16_t divisor_ = 12;   // 9600 baud from the 1.8432 MHz PC clock, as BIOSes leave it
    bool fifo_enabled_ = false;
    uint8_t rx_trigger_ = 1;
    bool thr_interrupt_ = false; // THRE interrupt pending (cleared by IIR read or THR write)
    std::array<uint8_t, uart::kFifoSize> rx_{};
    size_t rx_head_ = 0;
    size_t rx_count_ = 0;
    bool input_waiting_ = false; // the back end holds bytes we refused
    std::function<void()> ready_callback_;
};

} // namespace vireo
