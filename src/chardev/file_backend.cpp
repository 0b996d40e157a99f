#include "chardev/file_backend.h"

#include <fcntl.h>

namespace vireo {

namespace {

constexpr mode_t kFileMode = 0644;
constexpr std::chrono::milliseconds kFinalFlushLimit{1000};

} // namespace

// O_NONBLOCK matters only if PATH is a FIFO: opening one with no reader then fails at once
// (ENXIO) instead of hanging start-up, and a slow reader cannot block a vCPU.
Result<std::shared_ptr<FileBackend>> FileBackend::create(std::string const& path, EventLoop& loop) {
    UniqueFd fd(::open(path.c_str(),
                       O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
                       kFileMode));
    if (!fd.valid())
        return errno_error("console file {}", path);
    auto backend = std::shared_ptr<FileBackend>(new FileBackend(loop, std::move(fd)));
    backend->start();
    return backend;
}

FileBackend::FileBackend(EventLoop& loop, UniqueFd fd)
    : loop_(loop)
    , fd_(std::move(fd)) {}

void FileBackend::start() {
    auto weak = weak_self<FileBackend>();
    watch_ = std::make_unique<FdWatch>(loop_, fd_.get(), [weak](uint32_t) {
        if (auto self = weak.lock())
            self->output_.on_writable();
    });
    output_.attach(fd_.get(), *watch_, OutputChannel::Kind::Stream);
}

void FileBackend::close() {
    output_.finish(kFinalFlushLimit);
    watch_->close();
}

} // namespace vireo
