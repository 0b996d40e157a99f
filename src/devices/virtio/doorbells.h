// Queue notification addresses ("doorbells") that the accelerator can catch itself: with KVM
// an ioeventfd signals a queue's kick eventfd in the kernel, so a notification costs no exit
// to vireo. The VMM implements this over Accelerator::add_doorbell; where the accelerator
// cannot (the emulator), add() returns false and the write arrives as MMIO, which signals the
// same eventfd. Devices see no difference.
#pragma once

#include <cstdint>

namespace vireo::virtio {

class DoorbellRegistry {
public:
    virtual ~DoorbellRegistry() = default;
    // A write of `length` bytes equal to `value` at guest-physical `address` signals `fd`.
    virtual bool add(uint64_t address, uint32_t length, uint64_t value, int fd) = 0;
    virtual void remove(uint64_t address, uint32_t length, uint64_t value, int fd) = 0;
};

} // namespace vireo::virtio
