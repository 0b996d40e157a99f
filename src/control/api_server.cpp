#include "control/api_server.h"

#include <array>
#include <cerrno>
#include <chrono>

#include <sys/eventfd.h>
#include <sys/socket.h>

#include <poll.h>
#include <pthread.h>
#include <unistd.h>

#include "base/trace.h"
#include "control/commands.h"
#include "control/line_splitter.h"
#include "control/protocol.h"

namespace vireo::control {

namespace {

constexpr size_t kReadChunk = 4096;
constexpr std::chrono::milliseconds kAcceptBackoff{100};

} // namespace

Result<std::unique_ptr<ApiServer>> ApiServer::create(std::string const& path, VmControl& vm) {
    auto listener = TRY(virtio::UnixListener::create(path, "--api-socket"));
    UniqueFd stop(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!stop.valid())
        return errno_error("--api-socket: eventfd");
    std::unique_ptr<ApiServer> server(new ApiServer(std::move(listener), std::move(stop), vm));
    server->acceptor_ = std::thread([raw = server.get()] { raw->accept_clients(); });
    VIREO_TRACE(Api, "control API on {}", path);
    return server;
}

ApiServer::ApiServer(virtio::UnixListener listener, UniqueFd stop, VmControl& vm)
    : listener_(std::move(listener))
    , stop_(std::move(stop))
    , vm_(vm) {}

ApiServer::~ApiServer() {
    uint64_t const one = 1;
    (void)!write(stop_.get(), &one, sizeof(one));
    acceptor_.join();
    // No thread adds clients now.
    for (auto& client : clients_)
        client->thread.join();
}

// Waits until `fd` has `events` or the server stops; false when it stops.
bool ApiServer::wait_for(int fd, short events) {
    std::array<pollfd, 2> fds{{{fd, events, 0}, {stop_.get(), POLLIN, 0}}};
    for (;;) {
        int const ready = poll(fds.data(), fds.size(), -1);
        if (ready < 0 && errno == EINTR)
            continue;
        return ready > 0 && fds[1].revents == 0;
    }
}

void ApiServer::accept_clients() {
    pthread_setname_np(pthread_self(), "api");
    while (wait_for(listener_.fd(), POLLIN)) {
        reap_finished_clients();
        for (UniqueFd fd = listener_.accept(); fd.valid(); fd = listener_.accept())
            admit(std::move(fd));
        // Out of descriptors or memory, the waiting client stays queued and poll() would
        // wake at once: give the process time to recover rather than spin.
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
            std::this_thread::sleep_for(kAcceptBackoff);
    }
}

void ApiServer::admit(UniqueFd fd) {
    std::lock_guard lock(mutex_);
    if (clients_.size() >= kMaxClients) {
        auto const line = format_error(
            std::nullopt, {ErrorClass::TooManyClients,
                           fmt::format("the VM serves at most {} clients at once", kMaxClients)});
        (void)!send(fd.get(), (line + "\n").data(), line.size() + 1, MSG_NOSIGNAL);
        return;
    }
    auto& client = *clients_.emplace_back(std::make_unique<Client>());
    client.fd = std::move(fd);
    client.thread = std::thread([this, &client] { serve(client); });
    VIREO_TRACE(Api, "client connected ({} now)", clients_.size());
}

void ApiServer::reap_finished_clients() {
    std::lock_guard lock(mutex_);
    clients_.remove_if([](auto const& client) {
        if (!client->finished.load(std::memory_order_acquire))
            return false;
        client->thread.join();
        return true;
    });
}

void ApiServer::serve(Client& client) {
    pthread_setname_np(pthread_self(), "api-client");
    LineSplitter splitter(kMaxRequestBytes);
    std::array<char, kReadChunk> buffer{};
    int const fd = client.fd.get();
    while (wait_for(fd, POLLIN)) {
        ssize_t const got = read(fd, buffer.data(), buffer.size());
        if (got < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (got <= 0 || !answer(fd, std::string_view(buffer.data(), got), splitter))
            break;
    }
    VIREO_TRACE(Api, "client disconnected");
    client.fd.reset();
    client.finished.store(true, std::memory_order_release);
}

// Answers every request that `bytes` completes, in order; false once the client is gone.
bool ApiServer::answer(int fd, std::string_view bytes, LineSplitter& splitter) {
    for (auto& line : splitter.feed(bytes)) {
        std::string response;
        if (line.too_long)
            response = format_error(
                std::nullopt, {ErrorClass::InvalidRequest,
                               fmt::format("request longer than {} bytes", kMaxRequestBytes)});
        else if (line.text.find_first_not_of(" \t") == std::string::npos)
            continue; // blank lines are allowed between requests and get no answer
        else
            response = handle_request_line(line.text, vm_);
        if (!send_line(fd, std::move(response)))
            return false;
    }
    return true;
}

bool ApiServer::send_line(int fd, std::string line) {
    line.push_back('\n');
    std::string_view rest = line;
    while (!rest.empty()) {
        ssize_t const sent = send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
        if (sent > 0) {
            rest.remove_prefix(static_cast<size_t>(sent));
        } else if (sent < 0 && errno == EINTR) {
            continue;
        } else if (sent < 0 && errno == EAGAIN) {
            if (!wait_for(fd, POLLOUT))
                return false;
        } else {
            return false;
        }
    }
    return true;
}

} // namespace vireo::control
