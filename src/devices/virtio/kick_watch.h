// Devices served on the event loop (virtio-console, virtio-vsock) watch each of their queues'
// kick eventfds there, with a callback per queue.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "base/event_loop.h"
#include "base/result.h"

namespace vireo::virtio {

class Virtqueue;

// Watches the kick fd of every queue present (nullptr: the driver did not enable it), with
// `callback_for(index)` as queue `index`'s callback. All or nothing: if one cannot be added,
// the ones added before are removed again.
Result<void> watch_kicks(EventLoop& loop, std::span<Virtqueue* const> queues,
                         std::function<EventLoop::Callback(uint16_t)> const& callback_for);

// Stops watching the kick fd of every queue present.
void unwatch_kicks(EventLoop& loop, std::span<Virtqueue* const> queues);

} // namespace vireo::virtio
