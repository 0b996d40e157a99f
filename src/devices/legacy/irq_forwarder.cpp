#include "devices/legacy/irq_forwarder.h"

namespace vireo {

void IrqForwarder::apply(IrqSample sample) {
    std::lock_guard lock(mutex_);
    if (sample.sequence <= applied_)
        return;
    applied_ = sample.sequence;
    // The line starts low and set_level is only called on a change, so a device that never
    // interrupts never touches the interrupt controller.
    if (sample.level == level_)
        return;
    level_ = sample.level;
    line_.set_level(sample.level);
}

} // namespace vireo
