// A small epoll loop that runs on its own thread: console input, sockets and, later,
// device back ends register file descriptors with callbacks. Callbacks run on the loop
// thread, one at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/fd.h"
#include "base/result.h"

namespace vireo {

class EventLoop {
public:
    using Callback = std::function<void(uint32_t events)>;

    static Result<std::unique_ptr<EventLoop>> create();
    ~EventLoop();
    EventLoop(EventLoop const&) = delete;
    EventLoop& operator=(EventLoop const&) = delete;

    // Watches fd for `events` (EPOLLIN, EPOLLOUT...). Safe to call from any thread.
    Result<void> add(int fd, uint32_t events, Callback callback);
    Result<void> modify(int fd, uint32_t events);
    void remove(int fd);

    // Runs `task` on the loop thread soon.
    void post(std::function<void()> task);

    void start();
    void stop();

private:
    EventLoop(UniqueFd epoll, UniqueFd wake);
    void run();
    void run_posted();

    UniqueFd epoll_;
    UniqueFd wake_;
    std::mutex mutex_;
    std::unordered_map<int, std::shared_ptr<Callback>> callbacks_;
    std::vector<std::function<void()>> posted_;
    std::thread thread_;
    bool stopping_ = false;
};

} // namespace vireo
