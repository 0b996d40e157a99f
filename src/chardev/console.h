// The guest's console back end, chosen with --console: stdio, file=PATH or socket=PATH.
//
// A Console is a CharSink for the guest's serial output and feeds the user's input to a
// receiver, normally Uart16550::receive, with flow control: when the receiver takes less
// than offered, the console stops reading until notify_input_ready() (wire it to
// Uart16550::set_ready_callback). Its descriptors are served by an EventLoop thread.
//
// Lock order: the UART calls write() with its own lock held, so the console never holds a
// lock of its own while it calls the receiver.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string_view>

#include "base/event_loop.h"
#include "base/result.h"
#include "chardev/backend.h"
#include "chardev/console_spec.h"
#include "devices/machine.h"

namespace vireo {

class Console final : public CharSink {
public:
    // `loop` must outlive the console. Errors are one line naming the problem: an unknown
    // spec, an unwritable file, a socket path in use.
    static Result<std::unique_ptr<Console>> create(std::string_view spec, EventLoop& loop);
    static Result<std::unique_ptr<Console>> create(ConsoleSpec const& spec, EventLoop& loop);
    // The stdio console on other descriptors than 0 and 1 (for tests).
    static Result<std::unique_ptr<Console>> create_stdio(int input_fd, int output_fd,
                                                         EventLoop& loop);

    // Stops serving the console, restores the terminal and removes the socket file.
    ~Console() override;
    Console(Console const&) = delete;
    Console& operator=(Console const&) = delete;

    // Guest output. Any thread; never blocks for long, even on a stuck terminal.
    void write(std::span<uint8_t const> bytes) override;

    // Where input goes: `receiver` takes a prefix of the bytes and returns its length;
    // `can_receive` says whether it would take any now. Any thread.
    void set_input(std::function<size_t(std::span<uint8_t const>)> receiver,
                   std::function<bool()> can_receive);
    // The receiver has room again after refusing input. Any thread, any lock held.
    void notify_input_ready();
    // Called on the event-loop thread when the user types Ctrl-A x (stdio on a terminal).
    void set_on_quit(std::function<void()> on_quit);

private:
    explicit Console(std::shared_ptr<ConsoleBackend> backend)
        : backend_(std::move(backend)) {}

    std::shared_ptr<ConsoleBackend> backend_;
};

} // namespace vireo
