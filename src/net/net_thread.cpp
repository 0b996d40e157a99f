#include "net/net_thread.h"

#include <cerrno>

#include <sys/eventfd.h>

#include <unistd.h>

#include "base/trace.h"

namespace vireo::net {

Result<std::unique_ptr<NetThread>> NetThread::create(Backend& backend, NetClient& client) {
    UniqueFd wake(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!wake.valid())
        return errno_error("network thread: eventfd");
    return std::unique_ptr<NetThread>(new NetThread(backend, client, std::move(wake)));
}

NetThread::NetThread(Backend& backend, NetClient& client, UniqueFd wake)
    : backend_(backend)
    , client_(client)
    , wake_(std::move(wake)) {}

NetThread::~NetThread() {
    stopping_.store(true);
    wake();
    if (thread_.joinable())
        thread_.join();
}

void NetThread::start() {
    thread_ = std::thread([this] { run(); });
}

void NetThread::wake() {
    uint64_t const one = 1;
    // A full counter (never, in practice) already means "wake up"; nothing to handle.
    (void)::write(wake_.get(), &one, sizeof(one));
}

void NetThread::run() {
    PollSet set;
    while (!stopping_.load())
        round(set);
}

void NetThread::round(PollSet& set) {
    set.clear();
    size_t const wake_index = set.add(wake_.get(), POLLIN);
    int timeout_ms = -1;
    client_.prepare(set, timeout_ms);
    backend_.prepare(set, timeout_ms);
    int const ready = ::poll(set.data(), set.size(), timeout_ms);
    if (ready < 0 && errno != EINTR) {
        // Only a bug (a bad descriptor array) makes poll fail; say so once per round and
        // go on rather than spin silently.
        VIREO_TRACE(Net, "poll: {}", Error::from_errno("poll").message());
    }
    if ((set.revents(wake_index) & POLLIN) != 0) {
        uint64_t count = 0;
        (void)::read(wake_.get(), &count, sizeof(count));
    }
    // The back end goes first: its timers and sockets may produce frames for the guest,
    // which the device's dispatch then covers with one interrupt.
    backend_.dispatch(set);
    client_.dispatch(set);
}

} // namespace vireo::net
