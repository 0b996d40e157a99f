#include "chardev/console.h"

#include <unistd.h>

#include "chardev/file_backend.h"
#include "chardev/socket_backend.h"
#include "chardev/stdio_backend.h"

namespace vireo {

Result<std::unique_ptr<Console>> Console::create(std::string_view spec, EventLoop& loop) {
    return create(TRY(parse_console_spec(spec)), loop);
}

Result<std::unique_ptr<Console>> Console::create(ConsoleSpec const& spec, EventLoop& loop) {
    std::shared_ptr<ConsoleBackend> backend;
    switch (spec.kind) {
    case ConsoleSpec::Kind::Stdio:
        return create_stdio(STDIN_FILENO, STDOUT_FILENO, loop);
    case ConsoleSpec::Kind::File:
        backend = TRY(FileBackend::create(spec.path, loop));
        break;
    case ConsoleSpec::Kind::Socket:
        backend = TRY(SocketBackend::create(spec.path, loop));
        break;
    }
    return std::unique_ptr<Console>(new Console(std::move(backend)));
}

Result<std::unique_ptr<Console>> Console::create_stdio(int input_fd, int output_fd,
                                                       EventLoop& loop) {
    std::shared_ptr<ConsoleBackend> backend = TRY(StdioBackend::create(input_fd, output_fd, loop));
    return std::unique_ptr<Console>(new Console(std::move(backend)));
}

Console::~Console() {
    backend_->close();
}

void Console::write(std::span<uint8_t const> bytes) {
    backend_->write(bytes);
}

void Console::set_input(std::function<size_t(std::span<uint8_t const>)> receiver,
                        std::function<bool()> can_receive) {
    backend_->set_input(InputReceiver{std::move(receiver), std::move(can_receive)});
}

void Console::notify_input_ready() {
    backend_->notify_input_ready();
}

void Console::set_on_quit(std::function<void()> on_quit) {
    backend_->set_on_quit(std::move(on_quit));
}

} // namespace vireo
