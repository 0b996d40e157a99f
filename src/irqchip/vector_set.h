// A set of the 256 interrupt vectors, laid out as the local APIC's IRR, ISR and TMR: eight
// 32-bit registers, vector v in register v / 32, bit v % 32 (Intel SDM Vol. 3A 11.8.4,
// Figure 11-20).
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <optional>

namespace vireo::irqchip {

class VectorSet {
public:
    static constexpr unsigned kWords = 8;

    void set(uint8_t vector) { words_[vector / 32] |= bit(vector); }
    void clear(uint8_t vector) { words_[vector / 32] &= ~bit(vector); }
    bool test(uint8_t vector) const { return (words_[vector / 32] & bit(vector)) != 0; }
    void reset() { words_.fill(0); }
    uint32_t word(unsigned index) const { return words_[index]; }

    std::optional<uint8_t> highest() const {
        for (unsigned i = kWords; i-- > 0;) {
            if (words_[i] != 0)
                return static_cast<uint8_t>(i * 32 + std::bit_width(words_[i]) - 1);
        }
        return std::nullopt;
    }

private:
    static uint32_t bit(uint8_t vector) { return 1U << (vector % 32); }
    std::array<uint32_t, kWords> words_{};
};

// The priority class of a vector or of a TPR/PPR value: its upper four bits
// (Intel SDM Vol. 3A 11.8.3).
inline uint8_t priority_class(uint8_t value) {
    return value >> 4;
}

} // namespace vireo::irqchip
