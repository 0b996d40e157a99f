// Flow-controlled delivery of console input to the guest's device (the UART). The device
// takes what it has room for; the rest waits here, and the back end stops reading its
// descriptor until the device says it has room again. Nothing typed is dropped.
//
// Used only on the event-loop thread, so it needs no lock, and it never holds one while it
// calls the device, which takes the device's lock.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace vireo {

struct InputReceiver {
    // Takes a prefix of the bytes and returns its length.
    std::function<size_t(std::span<uint8_t const>)> receive;
    // Whether receive() would take anything now. A receiver that refuses input (this
    // returns false, or receive() takes less than offered) must later make the console's
    // notify_input_ready() be called.
    std::function<bool()> can_receive;
};

class InputFeed {
public:
    void set_receiver(InputReceiver receiver) { receiver_ = std::move(receiver); }

    // Queues `bytes` behind anything pending and delivers what the receiver takes. Returns
    // true when nothing is left pending.
    bool offer(std::span<uint8_t const> bytes);
    // Delivers pending bytes; true when none are left.
    bool drain();
    // True when nothing is pending and the receiver would take more: time to read again.
    bool ready();

private:
    std::span<uint8_t const> pending() const;

    InputReceiver receiver_;
    // pending_[delivered_..] waits for the device. The device takes 16 bytes at a time, so
    // the front is consumed by moving an offset, and the vector is compacted only when that
    // offset passes its middle.
    std::vector<uint8_t> pending_;
    size_t delivered_ = 0;
};

} // namespace vireo
