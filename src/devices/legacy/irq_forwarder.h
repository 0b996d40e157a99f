// Passes a device's interrupt level to its IrqLine without holding the device's state lock.
//
// IrqLine::set_level may call into an interrupt controller that takes its own locks and, on
// another thread, calls back into devices; calling it with a device mutex held could deadlock.
// So a device samples the level under its lock and applies the sample after unlocking. Two
// threads can unlock in one order and apply in the other: each sample carries a sequence number
// and an older sample never overwrites a newer one, so the line always ends at the level of the
// latest device state.
#pragma once

#include <cstdint>
#include <mutex>

#include "devices/machine.h"

namespace vireo {

struct IrqSample {
    bool level = false;
    uint64_t sequence = 0;
};

class IrqForwarder {
public:
    explicit IrqForwarder(IrqLine& line)
        : line_(line) {}

    // Called with the device's state lock held: records the level the state implies now.
    IrqSample sample(bool level) { return IrqSample{level, ++sampled_}; }

    // Called after the device's state lock is released. set_level runs with only this
    // forwarder's mutex held, which no interrupt controller callback ever takes.
    void apply(IrqSample sample);

private:
    IrqLine& line_;
    uint64_t sampled_ = 0; // guarded by the owning device's state lock
    std::mutex mutex_;
    uint64_t applied_ = 0;
    bool level_ = false;
};

} // namespace vireo
