#include "emu/flags.h"

namespace vireo::emu {

bool FlagState::cf() const {
    uint64_t const m = size_mask(size_);
    uint64_t const a = a_ & m;
    uint64_t const b = b_ & m;
    uint64_t const r = result_ & m;
    switch (op_) {
    case FlagOp::Eager:
        return (rflags_ & x86::kFlagCf) != 0;
    case FlagOp::Add:
        return r < a;
    case FlagOp::Adc:
        return carry_ ? r <= a : r < a;
    case FlagOp::Sub:
        return a < b;
    case FlagOp::Sbb:
        return carry_ ? a <= b : a < b;
    case FlagOp::Logic:
        return false;
    case FlagOp::Inc:
    case FlagOp::Dec:
    case FlagOp::Mul:
        return carry_;
    case FlagOp::Neg:
        return b != 0;
    }
    return false;
}

bool FlagState::of() const {
    uint64_t const s = sign_bit(size_);
    switch (op_) {
    case FlagOp::Eager:
        return (rflags_ & x86::kFlagOf) != 0;
    case FlagOp::Add:
    case FlagOp::Adc:
    case FlagOp::Inc:
        return ((a_ ^ result_) & (b_ ^ result_) & s) != 0;
    case FlagOp::Sub:
    case FlagOp::Sbb:
    case FlagOp::Dec:
    case FlagOp::Neg:
        return ((a_ ^ b_) & (a_ ^ result_) & s) != 0;
    case FlagOp::Logic:
        return false;
    case FlagOp::Mul:
        return carry_;
    }
    return false;
}

bool FlagState::pf() const {
    if (op_ == FlagOp::Eager)
        return (rflags_ & x86::kFlagPf) != 0;
    return even_parity(result_);
}

bool FlagState::af() const {
    switch (op_) {
    case FlagOp::Eager:
        return (rflags_ & x86::kFlagAf) != 0;
    case FlagOp::Logic:
    case FlagOp::Mul:
        return false; // undefined architecturally; Intel processors clear it
    default:
        return ((a_ ^ b_ ^ result_) & 0x10) != 0;
    }
}

uint64_t FlagState::arith() const {
    return (cf() ? x86::kFlagCf : 0) | (pf() ? x86::kFlagPf : 0) | (af() ? x86::kFlagAf : 0) |
           (zf() ? x86::kFlagZf : 0) | (sf() ? x86::kFlagSf : 0) | (of() ? x86::kFlagOf : 0);
}

bool FlagState::slow_condition(unsigned cc) const {
    bool result = false;
    switch (cc >> 1) {
    case 0:
        result = of();
        break;
    case 1:
        result = cf();
        break;
    case 2:
        result = zf();
        break;
    case 3:
        result = cf() || zf();
        break;
    case 4:
        result = sf();
        break;
    case 5:
        result = pf();
        break;
    case 6:
        result = sf() != of();
        break;
    case 7:
        result = zf() || (sf() != of());
        break;
    }
    return result != ((cc & 1) != 0);
}

} // namespace vireo::emu
