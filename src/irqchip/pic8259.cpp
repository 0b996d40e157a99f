#include "irqchip/pic8259.h"

namespace vireo::irqchip {

namespace {

// Command words, told apart by bits 4 and 3 of an A0 = 0 write (8259A datasheet,
// "Programming the 8259A").
constexpr uint8_t kIcw1 = 1U << 4;
constexpr uint8_t kOcw3 = 1U << 3;
// ICW1 bits.
constexpr uint8_t kIcw1NeedsIcw4 = 1U << 0;
constexpr uint8_t kIcw1Single = 1U << 1;
// ICW2: the vector base, T7-T3 (8086 mode).
constexpr uint8_t kIcw2VectorMask = 0xf8;
// ICW4 bits.
constexpr uint8_t kIcw4AutoEoi = 1U << 1;
// OCW2: R, SL and EOI in bits 7:5, the IR level in bits 2:0.
enum Ocw2 : uint8_t {
    kRotateAutoEoiClear = 0,
    kNonSpecificEoi = 1,
    kNoOperation = 2,
    kSpecificEoi = 3,
    kRotateAutoEoiSet = 4,
    kRotateNonSpecificEoi = 5,
    kSetPriority = 6,
    kRotateSpecificEoi = 7,
};
// OCW3 bits.
constexpr uint8_t kOcw3ReadRegister = 1U << 1; // RR: bit 0 (RIS) selects ISR over IRR
constexpr uint8_t kOcw3ReadIsr = 1U << 0;
constexpr uint8_t kOcw3Poll = 1U << 2;
constexpr uint8_t kOcw3SetMaskMode = 1U << 6; // ESMM: bit 5 (SMM) sets or resets
constexpr uint8_t kOcw3SpecialMask = 1U << 5;
// The poll word: bit 7 set when a request was found, its level in bits 2:0.
constexpr uint8_t kPollInterrupt = 0x80;

constexpr unsigned kLines = 8;

} // namespace

void Pic8259::write_command(uint8_t value) {
    if ((value & kIcw1) != 0)
        write_icw1(value);
    else if ((value & kOcw3) != 0)
        write_ocw3(value);
    else
        write_ocw2(value);
}

void Pic8259::write_icw1(uint8_t value) {
    // ICW1 clears the IMR, makes IR7 the lowest priority, resets special mask mode and
    // selects the IRR for reads; the edge-sense logic is reset, so an edge-triggered input
    // must go low and high again to request (8259A datasheet, "Initialization Command
    // Words"). ICW4 functions are cleared when ICW4 is not going to be written.
    irr_ = lines_ & level_mask();
    isr_ = 0;
    imr_ = 0;
    lowest_priority_ = kLines - 1;
    special_mask_ = false;
    read_isr_ = false;
    poll_ = false;
    auto_eoi_ = false;
    rotate_on_auto_eoi_ = false;
    single_ = (value & kIcw1Single) != 0;
    needs_icw4_ = (value & kIcw1NeedsIcw4) != 0;
    init_step_ = InitStep::Icw2;
}

void Pic8259::write_data(uint8_t value) {
    switch (init_step_) {
    case InitStep::Icw2:
        vector_base_ = value & kIcw2VectorMask;
        init_step_ = single_ ? (needs_icw4_ ? InitStep::Icw4 : InitStep::Ready) : InitStep::Icw3;
        return;
    case InitStep::Icw3:
        // The cascade wiring is fixed on a PC (slave on master IR2), so ICW3 only advances
        // the sequence.
        init_step_ = needs_icw4_ ? InitStep::Icw4 : InitStep::Ready;
        return;
    case InitStep::Icw4:
        auto_eoi_ = (value & kIcw4AutoEoi) != 0;
        init_step_ = InitStep::Ready;
        return;
    case InitStep::Ready:
        imr_ = value; // OCW1
        return;
    }
}

void Pic8259::write_ocw2(uint8_t value) {
    auto const level = static_cast<unsigned>(value & (kLines - 1));
    auto const in_service = highest_priority(isr_);
    switch (static_cast<Ocw2>(value >> 5)) {
    case kRotateAutoEoiClear:
        rotate_on_auto_eoi_ = false;
        break;
    case kRotateAutoEoiSet:
        rotate_on_auto_eoi_ = true;
        break;
    case kNonSpecificEoi:
    case kRotateNonSpecificEoi:
        if (in_service) {
            isr_ &= ~(1U << *in_service);
            if ((value >> 5) == kRotateNonSpecificEoi)
                lowest_priority_ = static_cast<uint8_t>(*in_service);
        }
        break;
    case kSpecificEoi:
        isr_ &= ~(1U << level);
        break;
    case kRotateSpecificEoi:
        isr_ &= ~(1U << level);
        lowest_priority_ = static_cast<uint8_t>(level);
        break;
    case kSetPriority:
        lowest_priority_ = static_cast<uint8_t>(level);
        break;
    case kNoOperation:
        break;
    }
}

void Pic8259::write_ocw3(uint8_t value) {
    if ((value & kOcw3Poll) != 0)
        poll_ = true;
    if ((value & kOcw3ReadRegister) != 0)
        read_isr_ = (value & kOcw3ReadIsr) != 0;
    if ((value & kOcw3SetMaskMode) != 0)
        special_mask_ = (value & kOcw3SpecialMask) != 0;
}

uint8_t Pic8259::read_command() {
    if (poll_) {
        // A poll is an INTA without INTR: it acknowledges the request it reports.
        poll_ = false;
        auto const irq = pending_irq();
        if (!irq)
            return 0;
        acknowledge(*irq);
        return static_cast<uint8_t>(kPollInterrupt | *irq);
    }
    return read_isr_ ? isr_ : irr_;
}

uint8_t Pic8259::read_data() {
    if (poll_)
        return read_command();
    return imr_;
}

void Pic8259::set_input(unsigned line, bool level) {
    auto const bit = static_cast<uint8_t>(1U << line);
    bool const was_high = (lines_ & bit) != 0;
    lines_ = level ? lines_ | bit : lines_ & ~bit;
    if ((level_mask() & bit) != 0) {
        irr_ = level ? irr_ | bit : irr_ & ~bit;
    } else if (level && !was_high) {
        // Edge mode latches the rising edge; the request stays until acknowledged.
        irr_ |= bit;
    }
}

std::optional<unsigned> Pic8259::highest_priority(uint8_t requests) const {
    for (unsigned i = 1; i <= kLines; ++i) {
        unsigned const irq = (lowest_priority_ + i) % kLines;
        if ((requests & (1U << irq)) != 0)
            return irq;
    }
    return std::nullopt;
}

std::optional<unsigned> Pic8259::pending_irq() const {
    auto const request = highest_priority(irr_ & ~imr_);
    if (!request)
        return std::nullopt;
    // Special mask mode lets masked in-service levels stop blocking lower ones.
    uint8_t const blocking = special_mask_ ? isr_ & ~imr_ : isr_;
    auto const in_service = highest_priority(blocking);
    if (!in_service)
        return request;
    // Priority order is rotation order: smaller distance from the highest is higher.
    auto const rank = [this](unsigned irq) {
        return (irq + kLines - lowest_priority_ - 1) % kLines;
    };
    if (rank(*request) < rank(*in_service))
        return request;
    return std::nullopt;
}

void Pic8259::acknowledge(unsigned irq) {
    auto const bit = static_cast<uint8_t>(1U << irq);
    // Level-sensitive requests follow the line; edge requests are consumed.
    if ((level_mask() & bit) == 0)
        irr_ &= ~bit;
    if (auto_eoi_) {
        if (rotate_on_auto_eoi_)
            lowest_priority_ = static_cast<uint8_t>(irq);
        return;
    }
    isr_ |= bit;
}

void Pic8259::set_elcr(uint8_t value) {
    elcr_ = value & elcr_writable_;
    // Re-sample: a line now level-sensitive requests while high.
    irr_ = (irr_ & ~level_mask()) | (lines_ & level_mask());
}

} // namespace vireo::irqchip
