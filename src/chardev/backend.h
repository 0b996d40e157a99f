// What every console back end does; Console (console.h) is the public face of one.
//
// Back ends live in a shared_ptr: event-loop callbacks hold weak references to them, so a
// console can be destroyed on any thread while an event for it is on its way.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include "chardev/input_feed.h"

namespace vireo {

class ConsoleBackend : public std::enable_shared_from_this<ConsoleBackend> {
public:
    virtual ~ConsoleBackend() = default;

    // Guest output; any thread; never blocks for long.
    virtual void write(std::span<uint8_t const> bytes) = 0;
    // Any thread. Back ends without input ignore these; the ones with input take ownership
    // of the argument, hence by value.
    // NOLINTNEXTLINE(performance-unnecessary-value-param)
    virtual void set_input(InputReceiver receiver) { (void)receiver; }
    virtual void notify_input_ready() {}
    // NOLINTNEXTLINE(performance-unnecessary-value-param)
    virtual void set_on_quit(std::function<void()> on_quit) { (void)on_quit; }
    // Stops all event-loop activity and releases what the back end holds outside the
    // process (the terminal mode, the socket file). Idempotent.
    virtual void close() = 0;

protected:
    // A weak reference to this back end as its concrete type, for loop callbacks.
    template <typename T>
    std::weak_ptr<T> weak_self() {
        return std::static_pointer_cast<T>(shared_from_this());
    }
};

} // namespace vireo
