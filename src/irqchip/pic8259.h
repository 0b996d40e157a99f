// One Intel 8259A programmable interrupt controller (datasheet order 231468): the IRR, ISR
// and IMR, the ICW1-ICW4 initialization sequence, OCW2 end-of-interrupt and rotation, OCW3
// register reads, poll mode and special mask mode. Pic8259Pair cascades two of them and
// provides the locking; this class is plain state.
#pragma once

#include <cstdint>
#include <optional>

namespace vireo::irqchip {

class Pic8259 {
public:
    // level_mask: inputs that are always level-sensitive on this chip (the master's
    // cascade input); elcr_writable: the ELCR bits the chipset lets software set.
    Pic8259(uint8_t level_mask, uint8_t elcr_writable)
        : fixed_level_(level_mask)
        , elcr_writable_(elcr_writable) {}

    // A0 = 0 (command) and A0 = 1 (data) accesses.
    void write_command(uint8_t value);
    void write_data(uint8_t value);
    uint8_t read_command();
    uint8_t read_data();

    // The level of input IRn.
    void set_input(unsigned line, bool level);

    // The request INTR signals now: the highest-priority unmasked request above everything
    // in service (fully nested mode).
    std::optional<unsigned> pending_irq() const;
    bool output() const { return pending_irq().has_value(); }
    // The INTA cycle for `irq`: IRR -> ISR, or straight through in auto-EOI mode.
    void acknowledge(unsigned irq);
    uint8_t vector(unsigned irq) const { return static_cast<uint8_t>(vector_base_ + irq); }

    uint8_t elcr() const { return elcr_; }
    void set_elcr(uint8_t value);
    uint8_t imr() const { return imr_; }

private:
    enum class InitStep : uint8_t { Ready, Icw2, Icw3, Icw4 };

    void write_icw1(uint8_t value);
    void write_ocw2(uint8_t value);
    void write_ocw3(uint8_t value);
    std::optional<unsigned> highest_priority(uint8_t requests) const;
    uint8_t level_mask() const { return elcr_ | fixed_level_; }

    uint8_t const fixed_level_;
    uint8_t const elcr_writable_;
    uint8_t irr_ = 0;
    uint8_t isr_ = 0;
    uint8_t imr_ = 0;
    uint8_t lines_ = 0; // current input levels, for edge detection
    uint8_t elcr_ = 0;
    uint8_t vector_base_ = 0;
    uint8_t lowest_priority_ = 7; // IR7 lowest, IR0 highest after initialization
    InitStep init_step_ = InitStep::Ready;
    bool single_ = false;
    bool needs_icw4_ = false;
    bool auto_eoi_ = false;
    bool rotate_on_auto_eoi_ = false;
    bool special_mask_ = false;
    bool read_isr_ = false;
    bool poll_ = false;
};

} // namespace vireo::irqchip
