#include "irqchip/pic8259_pair.h"

#include "base/trace.h"
#include "x86/pc_layout.h"

namespace vireo::irqchip {

namespace {

// PIIX4 ELCR1/ELCR2: IRQ 0, 1, 2, 8 and 13 are always edge-triggered.
constexpr uint8_t kMasterElcrWritable = 0xf8;
constexpr uint8_t kSlaveElcrWritable = 0xde;
// The master's cascade input follows the slave's INTR as a level. (On the chip it is an
// edge input; a level keeps a slave request that arrives while another slave request is
// being acknowledged from being lost.)
constexpr uint8_t kCascadeLevel = 1U << Pic8259Pair::kCascadeIrq;
// The 8259A answers an INTA with no request left with IR7 (datasheet, "Interrupt
// Sequence"): the spurious vector.
constexpr unsigned kSpuriousIrq = 7;
constexpr unsigned kIrqsPerChip = 8;

} // namespace

Pic8259Pair::Pic8259Pair()
    : master_(kCascadeLevel, kMasterElcrWritable)
    , slave_(0, kSlaveElcrWritable) {}

void Pic8259Pair::set_irq(unsigned irq, bool level) {
    if (irq >= kIrqCount || irq == kCascadeIrq) {
        VIREO_TRACE(Irq, "pic: ignoring IRQ {}", irq);
        return;
    }
    std::lock_guard lock(mutex_);
    if (irq < kIrqsPerChip)
        master_.set_input(irq, level);
    else
        slave_.set_input(irq - kIrqsPerChip, level);
    update_locked();
}

// Propagates the slave's INTR into master IR2 and the master's INTR to the output.
void Pic8259Pair::update_locked() {
    master_.set_input(kCascadeIrq, slave_.output());
    bool const level = master_.output();
    if (level == output_level_)
        return;
    output_level_ = level;
    if (output_)
        output_(level);
}

std::optional<uint8_t> Pic8259Pair::resolve_locked(bool acknowledge) {
    auto const irq = master_.pending_irq();
    if (!irq) {
        if (!acknowledge)
            return std::nullopt;
        return master_.vector(kSpuriousIrq);
    }
    if (acknowledge)
        master_.acknowledge(*irq);
    if (*irq != kCascadeIrq)
        return master_.vector(*irq);
    auto const slave_irq = slave_.pending_irq();
    if (!slave_irq)
        return slave_.vector(kSpuriousIrq);
    if (acknowledge)
        slave_.acknowledge(*slave_irq);
    return slave_.vector(*slave_irq);
}

std::optional<uint8_t> Pic8259Pair::peek_vector() {
    std::lock_guard lock(mutex_);
    return resolve_locked(false);
}

uint8_t Pic8259Pair::acknowledge_interrupt() {
    std::lock_guard lock(mutex_);
    uint8_t const vector = resolve_locked(true).value_or(master_.vector(kSpuriousIrq));
    update_locked();
    return vector;
}

void Pic8259Pair::read(uint64_t port, std::span<uint8_t> data) {
    std::lock_guard lock(mutex_);
    // Byte-wide ISA registers: a wider access reads consecutive ports.
    for (size_t i = 0; i < data.size(); ++i)
        data[i] = read_port_locked(port + i);
    update_locked();
}

void Pic8259Pair::write(uint64_t port, std::span<uint8_t const> data) {
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i < data.size(); ++i)
        write_port_locked(port + i, data[i]);
    update_locked();
}

uint8_t Pic8259Pair::read_port_locked(uint64_t port) {
    switch (port) {
    case pc::kPicMasterPort:
        return master_.read_command();
    case pc::kPicMasterPort + 1:
        return master_.read_data();
    case pc::kPicSlavePort:
        return slave_.read_command();
    case pc::kPicSlavePort + 1:
        return slave_.read_data();
    case pc::kElcrPort:
        return master_.elcr();
    case pc::kElcrPort + 1:
        return slave_.elcr();
    default:
        return 0xff;
    }
}

void Pic8259Pair::write_port_locked(uint64_t port, uint8_t value) {
    switch (port) {
    case pc::kPicMasterPort:
        master_.write_command(value);
        break;
    case pc::kPicMasterPort + 1:
        master_.write_data(value);
        break;
    case pc::kPicSlavePort:
        slave_.write_command(value);
        break;
    case pc::kPicSlavePort + 1:
        slave_.write_data(value);
        break;
    case pc::kElcrPort:
        master_.set_elcr(value);
        break;
    case pc::kElcrPort + 1:
        slave_.set_elcr(value);
        break;
    default:
        break;
    }
}

} // namespace vireo::irqchip
