#include "devices/virtio/kick_watch.h"

#include <sys/epoll.h>

#include "devices/virtio/virtqueue.h"

namespace vireo::virtio {

Result<void> watch_kicks(EventLoop& loop, std::span<Virtqueue* const> queues,
                         std::function<EventLoop::Callback(uint16_t)> const& callback_for) {
    for (uint16_t index = 0; index < queues.size(); ++index) {
        if (queues[index] == nullptr)
            continue;
        if (auto added = loop.add(queues[index]->kick_fd(), EPOLLIN, callback_for(index)); !added) {
            unwatch_kicks(loop, queues.first(index));
            return added;
        }
    }
    return {};
}

void unwatch_kicks(EventLoop& loop, std::span<Virtqueue* const> queues) {
    for (auto* queue : queues) {
        if (queue != nullptr)
            loop.remove(queue->kick_fd());
    }
}

} // namespace vireo::virtio
