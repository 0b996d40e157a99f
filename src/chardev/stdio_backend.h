// The console on vireo's own standard input and output. On a terminal, input is raw and the
// Ctrl-A escapes work (EscapeFilter); otherwise bytes pass through unchanged. End of input
// stops reading; it does not stop the VM.
#pragma once

#include <memory>
#include <mutex>

#include "base/event_loop.h"
#include "base/fd.h"
#include "base/result.h"
#include "chardev/escape_filter.h"
#include "chardev/fd_watch.h"
#include "chardev/interactive_backend.h"
#include "chardev/output_channel.h"

namespace vireo {

class StdioBackend final : public InteractiveBackend {
public:
    // `input_fd` and `output_fd` are normally 0 and 1; tests pass pipes or a pseudo-terminal.
    // They stay owned by the caller.
    static Result<std::shared_ptr<StdioBackend>> create(int input_fd, int output_fd,
                                                        EventLoop& loop);

    void write(std::span<uint8_t const> bytes) override { output_.write(bytes); }
    void set_on_quit(std::function<void()> on_quit) override;
    void close() override;

private:
    StdioBackend(EventLoop& loop, UniqueFd input, UniqueFd output, bool raw);
    void start();
    void set_reading(bool reading) override;
    void on_input();
    void quit();

    UniqueFd input_fd_;
    UniqueFd output_fd_;
    bool const raw_;
    OutputChannel output_;
    std::unique_ptr<FdWatch> input_watch_;
    std::unique_ptr<FdWatch> output_watch_;
    // Loop thread only.
    EscapeFilter escapes_;
    bool input_open_ = true;

    std::mutex mutex_;
    std::function<void()> on_quit_;
    bool closed_ = false;
};

} // namespace vireo
