// The virtio network device (virtio 1.2 5.1): one receive and one transmit queue, a MAC
// address and link status in its configuration, mergeable receive buffers, and the checksum
// and segmentation offloads its back end can take. Frames go to and come from a
// net::Backend (libslirp, a tap interface) on the back end's own NetThread, which also
// serves both queues: the vCPUs only kick.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "base/result.h"
#include "devices/virtio/net/rx_buffers.h"
#include "devices/virtio/virtio_device.h"
#include "net/backend.h"
#include "net/net_thread.h"

namespace vireo::virtio {

using MacAddress = std::array<uint8_t, 6>;

class VirtioNet final : public VirtioDevice, private net::FrameSink, private net::NetClient {
public:
    static constexpr uint16_t kQueueSize = 256;
    // Frames for the guest wait here while it has no receive buffers, up to these bounds;
    // beyond them they are dropped (TCP recovers). Back ends stop reading at half.
    static constexpr size_t kBacklogFrames = 256;
    static constexpr size_t kBacklogBytes = 4 * 1024 * 1024;
    // Transmit chains copied out per lock hold.
    static constexpr size_t kTransmitBatch = 32;

    enum class Threading {
        OwnThread, // a NetThread drives the back end and the queues
        Manual,    // tests and fuzzers call process() and the back end themselves
    };

    struct Counters {
        uint64_t tx_frames = 0;
        uint64_t tx_dropped = 0; // malformed
        uint64_t rx_frames = 0;
        uint64_t rx_dropped = 0; // no driver, no room, or too big for its buffers
    };

    static Result<std::shared_ptr<VirtioNet>> create(std::unique_ptr<net::Backend> backend,
                                                     MacAddress mac,
                                                     Threading threading = Threading::OwnThread);
    ~VirtioNet() override;

    // 52:54:00:12:34:56 for the first device, ...:57 for the second: the locally
    // administered addresses QEMU gives its NICs, stable from run to run.
    static MacAddress default_mac(unsigned index);

    [[nodiscard]] DeviceType type() const override { return DeviceType::Net; }
    [[nodiscard]] std::string_view name() const override { return "net"; }
    [[nodiscard]] uint64_t features() const override;
    [[nodiscard]] std::vector<uint16_t> queue_sizes() const override {
        return {kQueueSize, kQueueSize};
    }
    [[nodiscard]] uint32_t config_size() const override;
    void read_config(uint32_t offset, std::span<uint8_t> data) override;
    bool accept_features(uint64_t features) override;
    Result<void> activate(Activation const& activation) override;
    void reset() override;

    // One round of queue work: transmit what the driver queued, place waiting frames in new
    // receive buffers, interrupt the driver if it asked.
    void process();
    [[nodiscard]] Counters counters() const;
    [[nodiscard]] net::Backend& backend() { return *backend_; }

private:
    VirtioNet(std::unique_ptr<net::Backend> backend, MacAddress mac);

    // net::FrameSink, on the back end's thread.
    void receive(net::NetHeader const& header, std::span<uint8_t const> frame) override;
    [[nodiscard]] bool can_receive() const override;
    // net::NetClient.
    void prepare(net::PollSet& set, int& timeout_ms) override;
    void dispatch(net::PollSet const& set) override;

    void transmit();
    size_t take_transmit_batch();
    void refill();
    void deliver(net::NetHeader const& header, std::span<uint8_t const> frame);
    void drain_backlog();
    void notify_receive();
    [[nodiscard]] bool header_for_guest(net::NetHeader& header) const;

    std::unique_ptr<net::Backend> backend_;
    MacAddress mac_;

    // Guards the queues and receive state against reset() from a vCPU thread.
    mutable std::mutex mutex_;
    uint64_t features_ = 0; // negotiated, while active
    Virtqueue* rx_ = nullptr;
    Virtqueue* tx_ = nullptr;
    RxBuffers rx_buffers_;
    struct Pending {
        net::NetHeader header;
        std::vector<uint8_t> frame;
    };
    std::deque<Pending> backlog_;
    size_t backlog_bytes_ = 0;
    bool rx_used_ = false; // buffers used since the last notification check
    Counters counters_;

    // Transmit frames copied out of guest memory, handed to the back end without the lock.
    std::vector<net::NetHeader> tx_headers_;
    std::vector<std::vector<uint8_t>> tx_frames_;

    std::optional<size_t> rx_poll_;
    std::optional<size_t> tx_poll_;
    // Last: destroyed (stopped and joined) before everything it uses.
    std::unique_ptr<net::NetThread> thread_;
};

} // namespace vireo::virtio
