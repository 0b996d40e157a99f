// The input half shared by the back ends that read from the user (stdio and socket): it
// reads a descriptor on the loop thread, hands the bytes to the guest's device through an
// InputFeed, and stops and restarts reading as the device fills and drains.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "base/event_loop.h"
#include "chardev/backend.h"
#include "chardev/input_feed.h"

namespace vireo {

class InteractiveBackend : public ConsoleBackend {
public:
    void set_input(InputReceiver receiver) final;
    void notify_input_ready() final;

protected:
    explicit InteractiveBackend(EventLoop& loop)
        : loop_(loop) {}

    struct Chunk {
        std::span<uint8_t const> bytes; // empty when the read would block
        bool ended = false;             // end of file or a read error
    };

    // The rest of these run on the loop thread only.

    // True when reading more makes sense now; otherwise stops reading until the device
    // has room again.
    bool may_read();
    Chunk read_chunk(int fd);
    // Hands bytes to the guest, stopping reading while the device is full.
    void deliver(std::span<uint8_t const> bytes);
    // Starts or stops watching the input descriptor, if there is one.
    virtual void set_reading(bool reading) = 0;

    EventLoop& loop_;

private:
    void resume_input();

    InputFeed feed_;
    std::array<uint8_t, 4096> buffer_{};
};

} // namespace vireo
