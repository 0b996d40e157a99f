#include "irqchip/pit8254.h"

#include "irqchip/clock.h"
#include "x86/pc_layout.h"

namespace vireo::irqchip {

namespace {

constexpr uint64_t kControlPort = pc::kPitPort + 3;
// Control word: SC1:SC0 = 11b is the read-back command (8254 datasheet, "Read-Back
// Command"): bit 5 clear latches counts, bit 4 clear latches status, bits 3:1 pick
// counters 2, 1, 0.
constexpr unsigned kSelectShift = 6;
constexpr uint8_t kReadBack = 3;
constexpr uint8_t kReadBackNoCount = 1U << 5;
constexpr uint8_t kReadBackNoStatus = 1U << 4;
constexpr uint8_t kControlBits = 0x3f;

// Port 61h: bit 0 timer 2 gate, bit 1 speaker data, bits 2-3 NMI check enables (written
// and read back), bit 4 refresh toggle, bit 5 timer 2 OUT (PIIX4 datasheet, NMI status and
// control register; IBM PC/AT technical reference).
constexpr uint8_t kPortBWritable = 0x0f;
constexpr uint8_t kPortBGate2 = 1U << 0;
constexpr uint8_t kPortBRefresh = 1U << 4;
constexpr uint8_t kPortBOut2 = 1U << 5;
// The AT refreshes DRAM every 15.085 us (channel 1, count 18); port 61h bit 4 toggles with
// each refresh and some code times short delays with it.
constexpr uint64_t kRefreshPeriodNs = 15'085;

constexpr unsigned kSpeakerChannel = 2;

} // namespace

Pit8254::Pit8254(Clock const& clock, IrqLine* irq0)
    : clock_(clock)
    , irq0_(irq0) {
    // Channels 0 and 1 have GATE tied high on the PC; channel 2's gate is port 61h bit 0,
    // clear at reset.
    channels_[kSpeakerChannel].set_gate(false, clock_.now_ns());
}

void Pit8254::read(uint64_t port, std::span<uint8_t> data) {
    uint64_t const now = clock_.now_ns();
    std::lock_guard lock(mutex_);
    // Byte-wide ISA registers: a wider access reads consecutive ports.
    for (size_t i = 0; i < data.size(); ++i)
        data[i] = read_port_locked(port + i, now);
}

void Pit8254::write(uint64_t port, std::span<uint8_t const> data) {
    uint64_t const now = clock_.now_ns();
    bool reprogrammed = false;
    {
        std::lock_guard lock(mutex_);
        for (size_t i = 0; i < data.size(); ++i)
            reprogrammed |= write_port_locked(port + i, data[i], now);
        if (reprogrammed) {
            edges_reported_ = 0;
            update_irq_locked(now);
        }
    }
    if (reprogrammed && timer_changed_)
        timer_changed_();
}

uint8_t Pit8254::read_port_locked(uint64_t port, uint64_t now_ns) {
    if (port >= pc::kPitPort && port < kControlPort)
        return channels_[port - pc::kPitPort].read_byte(now_ns);
    if (port == pc::kSystemControlPortB) {
        uint8_t value = port_b_;
        if ((now_ns / kRefreshPeriodNs) % 2 != 0)
            value |= kPortBRefresh;
        if (channels_[kSpeakerChannel].out(now_ns))
            value |= kPortBOut2;
        return value;
    }
    return 0xff; // the control port is write-only
}

bool Pit8254::write_port_locked(uint64_t port, uint8_t value, uint64_t now_ns) {
    if (port >= pc::kPitPort && port < kControlPort) {
        uint64_t const channel = port - pc::kPitPort;
        return channels_[channel].write_count_byte(value, now_ns) && channel == 0;
    }
    if (port == kControlPort)
        return write_control_locked(value, now_ns);
    if (port == pc::kSystemControlPortB) {
        port_b_ = value & kPortBWritable;
        channels_[kSpeakerChannel].set_gate((value & kPortBGate2) != 0, now_ns);
    }
    return false;
}

bool Pit8254::write_control_locked(uint8_t value, uint64_t now_ns) {
    unsigned const select = value >> kSelectShift;
    if (select != kReadBack)
        return channels_[select].write_control(value & kControlBits, now_ns) && select == 0;
    for (unsigned channel = 0; channel < kChannels; ++channel) {
        if ((value & (2U << channel)) == 0)
            continue;
        if ((value & kReadBackNoCount) == 0)
            channels_[channel].latch_count(now_ns);
        if ((value & kReadBackNoStatus) == 0)
            channels_[channel].latch_status(now_ns);
    }
    return false;
}

void Pit8254::update_timers(uint64_t now_ns) {
    std::lock_guard lock(mutex_);
    update_irq_locked(now_ns);
}

void Pit8254::update_irq_locked(uint64_t now_ns) {
    PitChannel const& channel = channels_[0];
    uint64_t const edges = channel.rising_edges(now_ns);
    if (edges > edges_reported_) {
        // Make sure the receivers see a rising edge, even if OUT is high again by now.
        set_irq_locked(false);
        set_irq_locked(true);
        edges_reported_ = edges;
    }
    // Modes 2, 4 and 5 drop OUT for a single input clock (838 ns); that pulse is the edge
    // above, so the line otherwise stays high instead of following OUT into the pulse.
    uint8_t const mode = channel.mode();
    bool const one_clock_pulse = mode == 2 || mode == 4 || mode == 5;
    set_irq_locked(one_clock_pulse || channel.out(now_ns));
    uint64_t const next = channel.rising_edge_ns(edges_reported_ + 1).value_or(UINT64_MAX);
    deadline_ns_.store(next, std::memory_order_release);
}

void Pit8254::set_irq_locked(bool level) {
    if (level == irq_level_)
        return;
    irq_level_ = level;
    if (irq0_ != nullptr)
        irq0_->set_level(level);
}

std::optional<uint64_t> Pit8254::next_deadline_ns() const {
    uint64_t const deadline = deadline_ns_.load(std::memory_order_acquire);
    if (deadline == UINT64_MAX)
        return std::nullopt;
    return deadline;
}

} // namespace vireo::irqchip
