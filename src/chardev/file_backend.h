// The console written to a file (appended, created 0644). It has no input.
#pragma once

#include <memory>
#include <string>

#include "base/event_loop.h"
#include "base/fd.h"
#include "base/result.h"
#include "chardev/backend.h"
#include "chardev/fd_watch.h"
#include "chardev/output_channel.h"

namespace vireo {

class FileBackend final : public ConsoleBackend {
public:
    // An unwritable path is an error here, at start-up, not a silent loss of output later.
    static Result<std::shared_ptr<FileBackend>> create(std::string const& path, EventLoop& loop);

    void write(std::span<uint8_t const> bytes) override { output_.write(bytes); }
    void close() override;

private:
    FileBackend(EventLoop& loop, UniqueFd fd);
    void start();

    EventLoop& loop_;
    UniqueFd fd_;
    OutputChannel output_;
    std::unique_ptr<FdWatch> watch_;
};

} // namespace vireo
