// The last blocks a vCPU entered, kept cheaply in a ring so that a triple fault or internal
// error can say how the guest got there (VIREO_TRACE=emu prints them).
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace vireo::emu {

class TraceRing {
public:
    static constexpr unsigned kSize = 64;

    void record(uint64_t rip) {
        ring_[next_ % kSize] = rip;
        ++next_;
    }
    std::string format() const;

private:
    std::array<uint64_t, kSize> ring_{};
    uint64_t next_ = 0;
};

} // namespace vireo::emu
