// The descriptors one poll(2) round of a NetThread waits on: the thread's own wake-up
// eventfd, the device's queue notifications and the back end's sockets or tap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <poll.h>

namespace vireo::net {

class PollSet {
public:
    // Adds `fd` with poll(2) `events` and returns its index for revents().
    size_t add(int fd, short events) {
        fds_.push_back(pollfd{fd, events, 0});
        return fds_.size() - 1;
    }
    // What poll(2) reported for the descriptor at `index` (0 for an index never added).
    [[nodiscard]] short revents(size_t index) const {
        return index < fds_.size() ? fds_[index].revents : short{0};
    }
    void clear() { fds_.clear(); }

    [[nodiscard]] pollfd* data() { return fds_.data(); }
    [[nodiscard]] size_t size() const { return fds_.size(); }

private:
    std::vector<pollfd> fds_;
};

} // namespace vireo::net
