// The seeded pseudo-random generator: xoshiro256** seeded through splitmix64 (Blackman and
// Vigna, "Scrambled linear pseudorandom number generators", 2018). Written out here rather
// than taken from <random> so that a seed means the same program on every standard library.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>

namespace vireo::difftest {

class Rng {
public:
    explicit Rng(uint64_t seed) {
        for (uint64_t& word : state_) {
            seed += 0x9e3779b97f4a7c15ULL;
            uint64_t z = seed;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
            word = z ^ (z >> 31);
        }
    }

    uint64_t next() {
        uint64_t const result = rotl(state_[1] * 5, 7) * 9;
        uint64_t const t = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = rotl(state_[3], 45);
        return result;
    }

    // Uniform in [0, bound); bound > 0. The modulo bias is irrelevant at these bounds.
    uint64_t below(uint64_t bound) { return next() % bound; }
    // Uniform in [low, high].
    int64_t between(int64_t low, int64_t high) {
        return low + static_cast<int64_t>(below(static_cast<uint64_t>(high - low) + 1));
    }
    // True with probability percent / 100.
    bool chance(unsigned percent) { return below(100) < percent; }

    template <typename T>
    T const& pick(std::span<T const> items) {
        return items[below(items.size())];
    }
    template <typename T>
    T pick(std::initializer_list<T> items) {
        return items.begin()[below(items.size())];
    }

private:
    static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    uint64_t state_[4];
};

} // namespace vireo::difftest
