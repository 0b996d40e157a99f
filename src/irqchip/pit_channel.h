// One counter of the Intel 8254 programmable interval timer (datasheet order 231164). The
// count is computed from the clock when it is read, never ticked: the channel keeps when it
// started counting and derives its count and OUT level from elapsed input clocks. Modes 0,
// 2 and 3 follow the datasheet; modes 1, 4 and 5 are basic. Not thread-safe: Pit8254 locks.
#pragma once

#include <cstdint>
#include <optional>

namespace vireo::irqchip {

// The 8254's input clock: 14.31818 MHz / 12 on the PC.
inline constexpr uint64_t kPitHz = 1'193'182;

class PitChannel {
public:
    // Control word bits 5:0 for this channel (RW, mode, BCD); RW = 00 is a counter latch.
    // Returns whether the channel was reprogrammed (not just latched).
    bool write_control(uint8_t control, uint64_t now_ns);
    void latch_count(uint64_t now_ns);
    void latch_status(uint64_t now_ns);
    // Returns whether this byte completed a count, which (re)starts counting.
    bool write_count_byte(uint8_t value, uint64_t now_ns);
    uint8_t read_byte(uint64_t now_ns);

    void set_gate(bool level, uint64_t now_ns);
    bool gate() const { return gate_; }
    bool out(uint64_t now_ns) const;

    // Rising edges of OUT since counting (re)started, and when edge number n happens.
    uint64_t rising_edges(uint64_t now_ns) const;
    std::optional<uint64_t> rising_edge_ns(uint64_t n) const;
    uint8_t mode() const { return mode_; }

private:
    enum class Access : uint8_t { Latch = 0, Lsb = 1, Msb = 2, LsbMsb = 3 };

    uint64_t elapsed(uint64_t now_ns) const;
    uint64_t reload() const;
    uint16_t count_value(uint64_t now_ns) const;
    uint8_t status(uint64_t now_ns) const;
    void load(uint16_t raw, uint64_t now_ns);
    bool paused_by_gate() const;
    bool waits_for_trigger() const { return mode_ == 1 || mode_ == 5; }

    uint8_t mode_ = 0;
    Access access_ = Access::LsbMsb;
    bool bcd_ = false;
    uint16_t raw_count_ = 0;
    bool counting_ = false;  // a count is loaded (and, in modes 1 and 5, triggered)
    bool null_count_ = true; // status bit 6: count written but not yet loaded
    bool gate_ = true;
    uint64_t start_ns_ = 0; // when counting last (re)started or resumed
    uint64_t carried_ = 0;  // clocks counted before a gate pause (modes 0 and 4)
    bool write_msb_next_ = false;
    uint8_t pending_lsb_ = 0;
    bool read_msb_next_ = false;
    std::optional<uint16_t> latched_count_;
    bool latched_msb_next_ = false;
    std::optional<uint8_t> latched_status_;
};

} // namespace vireo::irqchip
