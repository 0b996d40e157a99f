// The VM's control socket (`vireo run --api-socket PATH`): a unix stream socket that
// serves the JSON API of docs/api.md to several clients at once. Each client has its own
// thread and gets its responses in the order of its requests; a slow command (pause, a
// wait for balloon statistics) holds up only the client that asked.
#pragma once

#include <atomic>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/fd.h"
#include "base/result.h"
#include "devices/virtio/console/unix_socket.h"

namespace vireo::control {

class LineSplitter;
class VmControl;

class ApiServer {
public:
    // Clients beyond this many are told so and disconnected.
    static constexpr size_t kMaxClients = 16;
    // A longer request line gets an InvalidRequest error and is skipped.
    static constexpr size_t kMaxRequestBytes = size_t{64} * 1024;

    // Listens at `path` and serves `vm`, which must outlive the server. A stale socket file
    // is replaced; a path in use, or one that is not a socket, fails with one line.
    static Result<std::unique_ptr<ApiServer>> create(std::string const& path, VmControl& vm);
    // Stops serving (a command in progress finishes first), disconnects every client and
    // removes the socket file.
    ~ApiServer();
    ApiServer(ApiServer const&) = delete;
    ApiServer& operator=(ApiServer const&) = delete;

private:
    struct Client {
        UniqueFd fd;
        std::thread thread;
        std::atomic<bool> finished{false};
    };

    ApiServer(virtio::UnixListener listener, UniqueFd stop, VmControl& vm);
    void accept_clients();
    void admit(UniqueFd fd);
    void reap_finished_clients();
    void serve(Client& client);
    bool answer(int fd, std::string_view bytes, LineSplitter& splitter);
    bool send_line(int fd, std::string line);
    bool wait_for(int fd, short events);

    virtio::UnixListener listener_;
    UniqueFd stop_; // an eventfd: readable once the server is stopping
    VmControl& vm_;
    std::mutex mutex_;
    std::list<std::unique_ptr<Client>> clients_;
    std::thread acceptor_;
};

} // namespace vireo::control
