// Lazy arithmetic flags. Most instructions that write CF/PF/AF/ZF/SF/OF only record what
// they computed (operation, operands, result, size); the flags are materialised when an
// instruction reads them (Jcc, SETcc, PUSHF, ...). The common case, an ALU instruction whose
// flags are overwritten before anyone looks, so costs four stores.
#pragma once

#include <cstdint>

#include "x86/registers.h"

namespace vireo::emu {

enum class FlagOp : uint8_t {
    Eager, // the arithmetic bits are in FlagState::rflags itself
    Add,
    Adc,
    Sub,
    Sbb,
    Logic, // AND/OR/XOR/TEST: CF=OF=0
    Inc,   // CF preserved in `carry`
    Dec,
    Neg,
    Mul, // MUL/IMUL: CF = OF = `carry` (the product overflowed); SF/ZF/PF from the result
};

inline constexpr uint64_t kArithFlags =
    x86::kFlagCf | x86::kFlagPf | x86::kFlagAf | x86::kFlagZf | x86::kFlagSf | x86::kFlagOf;

// Width helpers for operand sizes of 1, 2, 4 and 8 bytes.
constexpr uint64_t size_mask(unsigned bytes) {
    return bytes == 8 ? ~0ULL : (1ULL << (bytes * 8)) - 1;
}
constexpr uint64_t sign_bit(unsigned bytes) {
    return 1ULL << (bytes * 8 - 1);
}
constexpr int64_t sign_extend(uint64_t value, unsigned bytes) {
    unsigned const shift = 64 - bytes * 8;
    return static_cast<int64_t>(value << shift) >> shift;
}

// The parity flag reflects the low byte only (Intel SDM Vol. 1 3.4.3.1).
inline bool even_parity(uint64_t value) {
    return (__builtin_popcount(static_cast<unsigned>(value & 0xff)) & 1) == 0;
}

class FlagState {
public:
    // Records an arithmetic result; `a` is the destination before, `b` the source.
    void record(FlagOp op, unsigned size, uint64_t a, uint64_t b, uint64_t result) {
        op_ = op;
        size_ = static_cast<uint8_t>(size);
        a_ = a;
        b_ = b;
        result_ = result;
    }
    // INC/DEC/ADC/SBB also need the carry that was there before.
    void record_with_carry(FlagOp op, unsigned size, uint64_t a, uint64_t b, uint64_t result,
                           bool carry) {
        record(op, size, a, b, result);
        carry_ = carry;
    }

    // The whole RFLAGS register.
    uint64_t rflags() const {
        if (op_ == FlagOp::Eager)
            return rflags_;
        return (rflags_ & ~kArithFlags) | arith();
    }
    void set_rflags(uint64_t value) {
        rflags_ = value | x86::kFlagReserved1;
        op_ = FlagOp::Eager;
    }
    // Changes only the arithmetic flags in `mask` (shifts, BT, MUL...), keeping the others.
    void set_arith(uint64_t mask, uint64_t values) {
        if ((mask & kArithFlags) == kArithFlags) { // nothing of the old flags survives
            rflags_ = (rflags_ & ~mask) | (values & mask);
            op_ = FlagOp::Eager;
            return;
        }
        uint64_t const current = rflags();
        rflags_ = (current & ~mask) | (values & mask);
        op_ = FlagOp::Eager;
    }
    // Non-arithmetic bits (IF, DF, IOPL...) are stored directly.
    uint64_t system_bits() const { return rflags_ & ~kArithFlags; }
    void set_system_bits(uint64_t mask, uint64_t values) {
        rflags_ = (rflags_ & ~mask) | (values & mask);
    }
    bool interrupts_enabled() const { return (rflags_ & x86::kFlagIf) != 0; }
    bool direction() const { return (rflags_ & x86::kFlagDf) != 0; }

    bool cf() const;
    bool zf() const {
        if (op_ == FlagOp::Eager)
            return (rflags_ & x86::kFlagZf) != 0;
        return (result_ & size_mask(size_)) == 0;
    }
    bool sf() const {
        if (op_ == FlagOp::Eager)
            return (rflags_ & x86::kFlagSf) != 0;
        return (result_ & sign_bit(size_)) != 0;
    }
    bool of() const;
    bool pf() const;
    bool af() const;

    // Evaluates condition code `cc` (the low nibble of Jcc/SETcc/CMOVcc opcodes, Intel SDM
    // Vol. 1 Appendix B). CMP and TEST followed by a branch are the hot cases: answered
    // inline from the recorded operands.
    bool condition(unsigned cc) const {
        if (op_ == FlagOp::Sub)
            return compare_condition(cc);
        if (op_ == FlagOp::Logic && (cc >> 1) != 5) {
            uint64_t const r = result_ & size_mask(size_);
            bool const zero = r == 0;
            bool const sign = (r & sign_bit(size_)) != 0;
            bool result = false;
            switch (cc >> 1) {
            case 2:
                result = zero;
                break; // E
            case 3:
                result = zero;
                break; // BE: CF is 0
            case 4:
                result = sign;
                break; // S
            case 6:
                result = sign;
                break; // L: OF is 0
            case 7:
                result = zero || sign;
                break; // LE
            default:
                result = false;
                break; // O, B: OF and CF are 0
            }
            return result != ((cc & 1) != 0);
        }
        return slow_condition(cc);
    }

private:
    uint64_t arith() const;
    bool compare_condition(unsigned cc) const {
        uint64_t const m = size_mask(size_);
        uint64_t const a = a_ & m;
        uint64_t const b = b_ & m;
        bool result = false;
        switch (cc >> 1) {
        case 0:
            result = of();
            break;
        case 1:
            result = a < b;
            break;
        case 2:
            result = a == b;
            break;
        case 3:
            result = a <= b;
            break;
        case 4:
            result = ((a - b) & sign_bit(size_)) != 0;
            break;
        case 5:
            result = even_parity(a - b);
            break;
        case 6:
            result = sign_extend(a, size_) < sign_extend(b, size_);
            break;
        default:
            result = sign_extend(a, size_) <= sign_extend(b, size_);
            break;
        }
        return result != ((cc & 1) != 0);
    }
    bool slow_condition(unsigned cc) const;

    uint64_t a_ = 0;
    uint64_t b_ = 0;
    uint64_t result_ = 0;
    uint64_t rflags_ = x86::kFlagReserved1;
    FlagOp op_ = FlagOp::Eager;
    uint8_t size_ = 8;
    bool carry_ = false;
};

} // namespace vireo::emu
