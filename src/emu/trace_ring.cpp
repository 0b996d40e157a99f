#include "emu/trace_ring.h"

#include <fmt/format.h>

namespace vireo::emu {

std::string TraceRing::format() const {
    std::string out = "last blocks (oldest first):";
    uint64_t const count = next_ < kSize ? next_ : kSize;
    for (uint64_t i = next_ - count; i < next_; ++i)
        out += fmt::format(" {:x}", ring_[i % kSize]);
    return out;
}

} // namespace vireo::emu
