// The console on a unix stream socket that clients (`socat - UNIX-CONNECT:PATH`, the
// management daemon) connect to, one at a time; a second client waits in the listen
// backlog until the first leaves. Output produced while no client is connected waits in a
// 64 KiB ring and is replayed to the next client, so the boot log is not lost.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include <sys/types.h>

#include "base/event_loop.h"
#include "base/fd.h"
#include "base/result.h"
#include "chardev/fd_watch.h"
#include "chardev/interactive_backend.h"
#include "chardev/output_channel.h"

namespace vireo {

class SocketBackend final : public InteractiveBackend {
public:
    // Fails if PATH is in use by a live listener or is not a socket; a stale socket file
    // left by a dead process is replaced.
    static Result<std::shared_ptr<SocketBackend>> create(std::string const& path, EventLoop& loop);

    void write(std::span<uint8_t const> bytes) override { output_.write(bytes); }
    // Also removes the socket file, if it is still the one this back end created.
    void close() override;

private:
    SocketBackend(EventLoop& loop, std::string path, UniqueFd listener, dev_t device, ino_t inode);
    void start();
    void set_reading(bool reading) override;
    void on_listener();
    void on_client(uint32_t events);
    Chunk read_client();
    void take_remaining_input();
    void disconnect();

    std::string const path_;
    UniqueFd listener_;
    dev_t const device_;
    ino_t const inode_;
    OutputChannel output_;
    std::unique_ptr<FdWatch> listener_watch_;

    // Guards the client connection, which the loop thread changes and close() ends.
    std::mutex mutex_;
    UniqueFd client_;
    std::unique_ptr<FdWatch> client_watch_;
    bool closed_ = false;
};

} // namespace vireo
