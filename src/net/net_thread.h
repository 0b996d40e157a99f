// The thread that owns one network back end and serves one virtio-net device: each round it
// collects the descriptors both want to wait on, polls, and lets each handle what happened.
// libslirp is not thread-safe, so everything that touches it happens here; the device's
// queue work happens here too, so frames pass between them without locks or copies between
// threads.
#pragma once

#include <atomic>
#include <memory>
#include <thread>

#include "base/fd.h"
#include "base/result.h"
#include "net/backend.h"
#include "net/poll_set.h"

namespace vireo::net {

// The device's part of a round (queue notifications, transmit work).
class NetClient {
public:
    virtual ~NetClient() = default;
    virtual void prepare(PollSet& set, int& timeout_ms) = 0;
    virtual void dispatch(PollSet const& set) = 0;
};

class NetThread {
public:
    // `backend` and `client` must outlive the thread.
    static Result<std::unique_ptr<NetThread>> create(Backend& backend, NetClient& client);
    // Stops and joins the thread.
    ~NetThread();
    NetThread(NetThread const&) = delete;
    NetThread& operator=(NetThread const&) = delete;

    void start();
    // From any thread: ends the current wait, so the next round sees changed descriptors
    // (queues activated or reset).
    void wake();

private:
    NetThread(Backend& backend, NetClient& client, UniqueFd wake);
    void run();
    void round(PollSet& set);

    Backend& backend_;
    NetClient& client_;
    UniqueFd wake_;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

} // namespace vireo::net
