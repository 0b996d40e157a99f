#include "chardev/stdio_backend.h"

#include <sys/epoll.h>

#include <fcntl.h>
#include <unistd.h>

#include "base/trace.h"
#include "chardev/descriptors.h"
#include "chardev/terminal.h"

namespace vireo {

namespace {

// How long a slow terminal or pipe gets at exit to take the last output.
constexpr std::chrono::milliseconds kFinalFlushLimit{1000};

} // namespace

Result<std::shared_ptr<StdioBackend>> StdioBackend::create(int input_fd, int output_fd,
                                                           EventLoop& loop) {
    auto input = TRY_CONTEXT(reopen_for_console(input_fd, O_RDONLY), "console input");
    auto output = TRY_CONTEXT(reopen_for_console(output_fd, O_WRONLY), "console output");
    bool const raw = isatty(input_fd) == 1;
    if (raw)
        TRY_CONTEXT(enter_raw_mode(input_fd), "console");
    auto backend = std::shared_ptr<StdioBackend>(
        new StdioBackend(loop, std::move(input), std::move(output), raw));
    backend->start();
    return backend;
}

StdioBackend::StdioBackend(EventLoop& loop, UniqueFd input, UniqueFd output, bool raw)
    : InteractiveBackend(loop)
    , input_fd_(std::move(input))
    , output_fd_(std::move(output))
    , raw_(raw) {}

void StdioBackend::start() {
    auto weak = weak_self<StdioBackend>();
    input_watch_ = std::make_unique<FdWatch>(loop_, input_fd_.get(), [weak](uint32_t) {
        if (auto self = weak.lock())
            self->on_input();
    });
    output_watch_ = std::make_unique<FdWatch>(loop_, output_fd_.get(), [weak](uint32_t) {
        if (auto self = weak.lock())
            self->output_.on_writable();
    });
    output_.attach(output_fd_.get(), *output_watch_,
                   is_socket(output_fd_.get()) ? OutputChannel::Kind::Socket
                                               : OutputChannel::Kind::Stream);
    input_watch_->want_read(true);
}

void StdioBackend::set_on_quit(std::function<void()> on_quit) {
    std::lock_guard lock(mutex_);
    on_quit_ = std::move(on_quit);
}

void StdioBackend::close() {
    {
        std::lock_guard lock(mutex_);
        if (std::exchange(closed_, true))
            return;
    }
    input_watch_->close();
    output_.finish(kFinalFlushLimit);
    output_watch_->close();
    if (raw_)
        restore_terminal();
}

void StdioBackend::set_reading(bool reading) {
    if (input_open_)
        input_watch_->want_read(reading);
}

void StdioBackend::on_input() {
    if (!may_read())
        return;
    auto const chunk = read_chunk(input_fd_.get());
    if (chunk.ended) {
        VIREO_TRACE(Serial, "console input ended; the guest keeps running");
        input_open_ = false;
        input_watch_->close();
        return;
    }
    if (!raw_) {
        deliver(chunk.bytes);
        return;
    }
    auto const filtered = escapes_.filter(chunk.bytes);
    if (filtered.help) {
        auto const text = EscapeFilter::help_text();
        output_.write(std::span(reinterpret_cast<uint8_t const*>(text.data()), text.size()));
    }
    deliver(filtered.input);
    if (filtered.quit)
        quit();
}

void StdioBackend::quit() {
    std::function<void()> on_quit;
    {
        std::lock_guard lock(mutex_);
        on_quit = on_quit_;
    }
    if (on_quit)
        on_quit();
    else
        log_warn("console: quit requested, but nothing is listening for it");
}

} // namespace vireo
