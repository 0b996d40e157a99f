#include "base/event_loop.h"

#include <array>

#include <sys/epoll.h>
#include <sys/eventfd.h>

#include <unistd.h>

namespace vireo {

Result<std::unique_ptr<EventLoop>> EventLoop::create() {
    UniqueFd epoll(epoll_create1(EPOLL_CLOEXEC));
    if (!epoll.valid())
        return errno_error("epoll_create1");
    UniqueFd wake(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!wake.valid())
        return errno_error("eventfd");
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = wake.get();
    if (epoll_ctl(epoll.get(), EPOLL_CTL_ADD, wake.get(), &event) != 0)
        return errno_error("epoll_ctl");
    return std::unique_ptr<EventLoop>(new EventLoop(std::move(epoll), std::move(wake)));
}

EventLoop::EventLoop(UniqueFd epoll, UniqueFd wake)
    : epoll_(std::move(epoll))
    , wake_(std::move(wake)) {}

EventLoop::~EventLoop() {
    stop();
}

Result<void> EventLoop::add(int fd, uint32_t events, Callback callback) {
    std::lock_guard lock(mutex_);
    epoll_event event{};
    event.events = events;
    event.data.fd = fd;
    if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) != 0)
        return errno_error("epoll_ctl(add fd {})", fd);
    callbacks_[fd] = std::make_shared<Callback>(std::move(callback));
    return {};
}

Result<void> EventLoop::modify(int fd, uint32_t events) {
    epoll_event event{};
    event.events = events;
    event.data.fd = fd;
    if (epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &event) != 0)
        return errno_error("epoll_ctl(modify fd {})", fd);
    return {};
}

void EventLoop::remove(int fd) {
    std::lock_guard lock(mutex_);
    epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
    callbacks_.erase(fd);
}

void EventLoop::post(std::function<void()> task) {
    {
        std::lock_guard lock(mutex_);
        posted_.push_back(std::move(task));
    }
    uint64_t one = 1;
    [[maybe_unused]] auto written = ::write(wake_.get(), &one, sizeof(one));
}

void EventLoop::start() {
    thread_ = std::thread([this] { run(); });
}

void EventLoop::stop() {
    if (!thread_.joinable())
        return;
    post([this] { stopping_ = true; });
    thread_.join();
}

void EventLoop::run_posted() {
    uint64_t count = 0;
    [[maybe_unused]] auto got = ::read(wake_.get(), &count, sizeof(count));
    std::vector<std::function<void()>> tasks;
    {
        std::lock_guard lock(mutex_);
        tasks.swap(posted_);
    }
    for (auto& task : tasks)
        task();
}

void EventLoop::run() {
    std::array<epoll_event, 32> events{};
    while (!stopping_) {
        int const count = epoll_wait(epoll_.get(), events.data(), events.size(), -1);
        for (int i = 0; i < count; ++i) {
            int const fd = events[i].data.fd;
            if (fd == wake_.get()) {
                run_posted();
                continue;
            }
            std::shared_ptr<Callback> callback;
            {
                std::lock_guard lock(mutex_);
                auto it = callbacks_.find(fd);
                if (it != callbacks_.end())
                    callback = it->second;
            }
            if (callback)
                (*callback)(events[i].events);
        }
    }
}

} // namespace vireo
