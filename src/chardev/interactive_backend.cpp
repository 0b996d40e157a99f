#include "chardev/interactive_backend.h"

#include <cerrno>

#include <unistd.h>

#include "base/trace.h"

namespace vireo {

// Both run on the loop thread, which owns the feed; they may be called from any thread.
void InteractiveBackend::set_input(InputReceiver receiver) {
    auto weak = weak_self<InteractiveBackend>();
    loop_.post([weak, receiver = std::move(receiver)]() mutable {
        if (auto self = weak.lock()) {
            self->feed_.set_receiver(std::move(receiver));
            self->resume_input();
        }
    });
}

void InteractiveBackend::notify_input_ready() {
    auto weak = weak_self<InteractiveBackend>();
    loop_.post([weak] {
        if (auto self = weak.lock())
            self->resume_input();
    });
}

void InteractiveBackend::resume_input() {
    if (feed_.ready())
        set_reading(true);
}

bool InteractiveBackend::may_read() {
    if (feed_.ready())
        return true;
    set_reading(false);
    return false;
}

InteractiveBackend::Chunk InteractiveBackend::read_chunk(int fd) {
    ssize_t const count = ::read(fd, buffer_.data(), buffer_.size());
    if (count > 0)
        return Chunk{std::span<uint8_t const>(buffer_.data(), static_cast<size_t>(count))};
    if (count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return Chunk{};
    if (count < 0)
        VIREO_TRACE(Serial, "{}", Error::from_errno("console input").message());
    return Chunk{{}, true};
}

void InteractiveBackend::deliver(std::span<uint8_t const> bytes) {
    if (!feed_.offer(bytes))
        set_reading(false);
}

} // namespace vireo
