// Where translated code finds the translation of an indirect branch's target (RET, JMP and
// CALL through a register or memory) that its exit's one-entry link does not hold, without
// returning to the executor. Returns from a function called from many places, and the
// retpoline thunks Linux sends every indirect call through, have many targets per site: each
// miss of the link used to cost a trip through the executor's block look-up.
//
// The table is direct-mapped by guest RIP. An entry holds only in the epoch it was made in and
// only at its privilege level (jit.h), the same rule as a chain link; the executor fills one
// each time it enters a translation, so the next indirect branch to that RIP finds it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace vireo::emu::jit {

struct IndirectEntry {
    uint64_t rip = ~0ULL;
    uint64_t tag = 0; // tag(epoch, cpl); epochs start at 1, so 0 matches nothing
    void const* code = nullptr;
    uint64_t unused = 0; // pads an entry to 1 << kEntryShift bytes for indexed addressing
};

class IndirectTable {
public:
    static constexpr unsigned kBits = 12;
    static constexpr size_t kSize = size_t{1} << kBits;
    static constexpr unsigned kEntryShift = 5;
    static_assert(sizeof(IndirectEntry) == size_t{1} << kEntryShift);

    // Translated code computes the same two values (Emitter::look_up_indirect).
    static constexpr uint64_t tag(uint64_t epoch, uint8_t cpl) { return (epoch << 2) | cpl; }
    static constexpr size_t slot(uint64_t rip) { return (rip ^ (rip >> kBits)) & (kSize - 1); }

    void remember(uint64_t rip, uint64_t epoch, uint8_t cpl, void const* code) {
        entries_[slot(rip)] = {rip, tag(epoch, cpl), code, 0};
    }
    [[nodiscard]] IndirectEntry const* data() const { return entries_.get(); }

private:
    std::unique_ptr<IndirectEntry[]> entries_ = std::make_unique<IndirectEntry[]>(kSize);
};

} // namespace vireo::emu::jit
