#include <gtest/gtest.h>

#include "base/event_loop.h"
#include "devices/virtio/console/virtio_console.h"
#include "host_socket.h"
#include "queue_driver.h"

namespace vireo::virtio {
namespace {

using console::ControlEvent;
using console::ControlMessage;
using test::Buf;
using test::wait_for;

constexpr uint16_t kPortCount = 2;
constexpr uint16_t kQueues = console::queue_count(kPortCount + 1);

// A console with ports "alpha" (1) and "org.qemu.guest_agent.0" (2), driven the way Linux's
// virtio_console driver drives it.
class ConsoleTest : public ::testing::Test {
protected:
    void SetUp() override {
        loop_->start();
        console_ = *VirtioConsole::create(loop_.get(),
                                          {{"alpha", dir_.file("alpha.sock")},
                                           {"org.qemu.guest_agent.0", dir_.file("agent.sock")}});
        driver_ = std::make_unique<test::QueueDriver>(console_, *memory_);
        ASSERT_TRUE(driver_->start(console::kFeatureMultiport, kQueues));
        for (int i = 0; i < 8; ++i)
            give(console::kControlReceiveQueue, 4096);
    }
    void TearDown() override {
        driver_->reset();
        loop_->stop();
    }

    void give(uint16_t queue, uint32_t length) {
        driver_->ring(queue).add({{driver_->buffer(length), length, true}});
        driver_->notify(queue);
    }
    void send(uint16_t queue, std::vector<uint8_t> const& bytes) {
        auto const length = static_cast<uint32_t>(bytes.size());
        driver_->ring(queue).add({{driver_->buffer(length, bytes), length, false}});
        driver_->notify(queue);
    }
    void control(uint32_t id, ControlEvent event, uint16_t value) {
        send(console::kControlTransmitQueue, console::encode_control({id, event, value}));
    }

    // The control messages the device sent since the last call, with PORT_NAME's name.
    struct Received {
        ControlMessage message;
        std::string name;
    };
    std::vector<Received> received_control(size_t at_least) {
        std::vector<Received> out;
        wait_for([&] {
            for (auto [head, length] : driver_->ring(console::kControlReceiveQueue).take_used()) {
                auto bytes = driver_->read(control_buffers_[head], length);
                auto message = console::parse_control(bytes);
                EXPECT_TRUE(message);
                out.push_back({*message, std::string(bytes.begin() + 8, bytes.end())});
            }
            return out.size() >= at_least;
        });
        return out;
    }
    void record_control_buffers() {
        // Control receive buffers are the first eight handed out, 4096 bytes apart.
        for (uint16_t head = 0; head < 8; ++head)
            control_buffers_[head] = test::kBufferStart + 4096 * uint64_t{head};
    }
    // Brings port `id` up as Linux does: DEVICE_READY, PORT_READY, PORT_OPEN from the guest.
    void open_port(uint32_t id) {
        control(0, ControlEvent::DeviceReady, 1);
        control(id, ControlEvent::PortReady, 1);
        control(id, ControlEvent::PortOpen, 1);
    }

    test::TempDir dir_;
    std::unique_ptr<GuestMemory> memory_ = *GuestMemory::create(test::kMemoryBytes);
    std::unique_ptr<EventLoop> loop_ = *EventLoop::create();
    std::shared_ptr<VirtioConsole> console_;
    std::unique_ptr<test::QueueDriver> driver_;
    std::map<uint32_t, uint64_t> control_buffers_;
};

TEST_F(ConsoleTest, OffersMultiportAndCountsPortZero) {
    EXPECT_NE(driver_->pci().device_features() & console::kFeatureMultiport, 0U);
    uint8_t config[console::kConfigSize] = {};
    console_->read_config(0, config);
    uint32_t max_ports = 0;
    std::memcpy(&max_ports, config + console::kConfigMaxPorts, 4);
    EXPECT_EQ(max_ports, kPortCount + 1U);
    EXPECT_EQ(console_->queue_sizes().size(), kQueues);
}

TEST_F(ConsoleTest, AnnouncesNamedPortsAndHostConnections) {
    record_control_buffers();
    control(0, ControlEvent::DeviceReady, 1);
    auto added = received_control(2);
    ASSERT_EQ(added.size(), 2U);
    EXPECT_EQ(added[0].message.event, ControlEvent::DeviceAdd);
    EXPECT_EQ(added[0].message.id, 1U);
    EXPECT_EQ(added[1].message.id, 2U);

    control(2, ControlEvent::PortReady, 1);
    auto named = received_control(1);
    ASSERT_EQ(named.size(), 1U);
    EXPECT_EQ(named[0].message.event, ControlEvent::PortName);
    EXPECT_EQ(named[0].message.id, 2U);
    EXPECT_EQ(named[0].name, "org.qemu.guest_agent.0");

    auto client = test::connect_to(dir_.file("agent.sock"));
    ASSERT_TRUE(client.valid());
    auto opened = received_control(1);
    ASSERT_EQ(opened.size(), 1U);
    EXPECT_EQ(opened[0].message.event, ControlEvent::PortOpen);
    EXPECT_EQ(opened[0].message.id, 2U);
    EXPECT_EQ(opened[0].message.value, 1);

    client.reset();
    auto closed = received_control(1);
    ASSERT_EQ(closed.size(), 1U);
    EXPECT_EQ(closed[0].message.event, ControlEvent::PortOpen);
    EXPECT_EQ(closed[0].message.value, 0);
}

TEST_F(ConsoleTest, ClientConnectedBeforePortReadyIsAnnouncedWithTheName) {
    record_control_buffers();
    auto client = test::connect_to(dir_.file("alpha.sock"));
    ASSERT_TRUE(wait_for([&] { return console_->port(1)->host_connected(); }));
    control(0, ControlEvent::DeviceReady, 1);
    control(1, ControlEvent::PortReady, 1);
    auto messages = received_control(4);
    ASSERT_EQ(messages.size(), 4U);
    EXPECT_EQ(messages[2].message.event, ControlEvent::PortName);
    EXPECT_EQ(messages[2].name, "alpha");
    EXPECT_EQ(messages[3].message.event, ControlEvent::PortOpen);
    EXPECT_EQ(messages[3].message.value, 1);
}

TEST_F(ConsoleTest, BytesFlowBothWays) {
    open_port(1);
    auto client = test::connect_to(dir_.file("alpha.sock"));
    ASSERT_TRUE(wait_for([&] { return console_->port(1)->host_connected(); }));

    send(console::transmit_queue(1), test::bytes_of("from the guest"));
    EXPECT_EQ(test::receive(client.get(), 14), "from the guest");
    ASSERT_TRUE(
        wait_for([&] { return driver_->ring(console::transmit_queue(1)).used_idx() == 1; }));

    uint64_t const buffer = driver_->buffer(64);
    driver_->ring(console::receive_queue(1)).add({{buffer, 64, true}});
    driver_->notify(console::receive_queue(1));
    ASSERT_TRUE(test::send_all(client.get(), "from the host"));
    std::vector<std::pair<uint32_t, uint32_t>> used;
    ASSERT_TRUE(wait_for([&] {
        auto more = driver_->ring(console::receive_queue(1)).take_used();
        used.insert(used.end(), more.begin(), more.end());
        return !used.empty();
    }));
    ASSERT_EQ(used[0].second, 13U);
    EXPECT_EQ(driver_->read(buffer, 13), test::bytes_of("from the host"));
}

// Bytes the guest has no buffers for stay in the socket until it has; none are lost.
TEST_F(ConsoleTest, HostBytesWaitForReceiveBuffers) {
    open_port(1);
    auto client = test::connect_to(dir_.file("alpha.sock"));
    std::string sent;
    for (int i = 0; i < 3000; ++i)
        sent.push_back(static_cast<char>('a' + i % 26));
    ASSERT_TRUE(test::send_all(client.get(), sent));
    std::string delivered;
    auto& ring = driver_->ring(console::receive_queue(1));
    for (int round = 0; round < 6 && delivered.size() < sent.size(); ++round) {
        uint64_t const buffer = driver_->buffer(1024);
        ring.add({{buffer, 1024, true}});
        driver_->notify(console::receive_queue(1));
        std::vector<std::pair<uint32_t, uint32_t>> used;
        ASSERT_TRUE(wait_for([&] {
            used = ring.take_used();
            return !used.empty();
        }));
        ASSERT_EQ(used.size(), 1U); // one buffer, one completion: nothing read beyond it
        auto bytes = driver_->read(buffer, used[0].second);
        delivered.append(bytes.begin(), bytes.end());
    }
    EXPECT_EQ(delivered, sent);
}

TEST_F(ConsoleTest, ClosedPortReadsNothing) {
    control(0, ControlEvent::DeviceReady, 1);
    control(1, ControlEvent::PortReady, 1); // but no PORT_OPEN from the guest
    auto client = test::connect_to(dir_.file("alpha.sock"));
    give(console::receive_queue(1), 64);
    ASSERT_TRUE(test::send_all(client.get(), "early"));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(driver_->ring(console::receive_queue(1)).used_idx(), 0);
    control(1, ControlEvent::PortOpen, 1);
    EXPECT_TRUE(wait_for([&] { return driver_->ring(console::receive_queue(1)).used_idx() == 1; }));
}

TEST_F(ConsoleTest, SecondClientTakesOverWhenTheFirstLeaves) {
    record_control_buffers();
    open_port(1);
    auto first = test::connect_to(dir_.file("alpha.sock"));
    ASSERT_TRUE(wait_for([&] { return console_->port(1)->host_connected(); }));
    auto second = test::connect_to(dir_.file("alpha.sock")); // waits in the backlog
    first.reset();
    // The guest hears the first client leave (PORT_OPEN 0) and the second arrive (PORT_OPEN
    // 1); only then is it sure that what it writes goes to the second client.
    std::vector<uint16_t> opens;
    ASSERT_TRUE(wait_for([&] {
        for (auto const& received : received_control(0))
            if (received.message.event == ControlEvent::PortOpen && received.message.id == 1)
                opens.push_back(received.message.value);
        return opens.size() >= 2 && opens[opens.size() - 2] == 0 && opens.back() == 1;
    }));
    send(console::transmit_queue(1), test::bytes_of("to whoever is there"));
    EXPECT_EQ(test::receive(second.get(), 19), "to whoever is there");
}

TEST_F(ConsoleTest, GuestBytesWithoutClientAreCompleted) {
    open_port(1);
    send(console::transmit_queue(1), test::bytes_of("nobody listens"));
    EXPECT_TRUE(
        wait_for([&] { return driver_->ring(console::transmit_queue(1)).used_idx() == 1; }));
}

// A transmit buffer the client does not take holds the queue: later buffers wait behind it.
TEST_F(ConsoleTest, SlowClientHoldsTransmitBuffers) {
    open_port(1);
    auto client = test::connect_to(dir_.file("alpha.sock"));
    ASSERT_TRUE(wait_for([&] { return console_->port(1)->host_connected(); }));
    std::vector<uint8_t> big(1024 * 1024, 'x');
    send(console::transmit_queue(1), big);
    send(console::transmit_queue(1), test::bytes_of("tail"));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(driver_->ring(console::transmit_queue(1)).used_idx(), 0);
    auto const got = test::receive(client.get(), big.size() + 4);
    EXPECT_EQ(got.size(), big.size() + 4);
    EXPECT_EQ(got.substr(big.size()), "tail");
    EXPECT_TRUE(
        wait_for([&] { return driver_->ring(console::transmit_queue(1)).used_idx() == 2; }));
}

TEST_F(ConsoleTest, MalformedControlMessagesAreIgnored) {
    record_control_buffers();
    send(console::kControlTransmitQueue, {1, 2, 3}); // shorter than a header
    control(77, ControlEvent::PortReady, 1);         // no such port
    control(1, ControlEvent::Resize, 1);             // not the driver's to send
    control(0, ControlEvent::DeviceReady, 1);
    auto messages = received_control(2);
    ASSERT_EQ(messages.size(), 2U);
    EXPECT_EQ(messages[0].message.event, ControlEvent::DeviceAdd);
    EXPECT_EQ(driver_->status() & kStatusNeedsReset, 0);
}

TEST_F(ConsoleTest, ResetKeepsTheHostClient) {
    record_control_buffers();
    open_port(1);
    auto client = test::connect_to(dir_.file("alpha.sock"));
    ASSERT_TRUE(wait_for([&] { return console_->port(1)->host_connected(); }));
    driver_->reset();
    EXPECT_TRUE(console_->port(1)->host_connected());
    EXPECT_FALSE(console_->port(1)->guest_open());
}

TEST(ConsoleCreateTest, RefusesRepeatedNamesAndBusySockets) {
    test::TempDir dir;
    auto twice = VirtioConsole::create(nullptr, {{"a", dir.file("1")}, {"a", dir.file("2")}});
    ASSERT_FALSE(twice);
    EXPECT_NE(twice.error().message().find("given twice"), std::string::npos);
    auto shared = VirtioConsole::create(nullptr, {{"a", dir.file("1")}, {"b", dir.file("1")}});
    ASSERT_FALSE(shared);
    EXPECT_EQ(shared.error().message(),
              "--console-port b: socket " + dir.file("1") + " is given to another port too");

    auto listener = test::listen_at(dir.file("busy"));
    auto busy = VirtioConsole::create(nullptr, {{"b", dir.file("busy")}});
    ASSERT_FALSE(busy);
    EXPECT_NE(busy.error().message().find("in use"), std::string::npos);
    EXPECT_EQ(busy.error().message().find('\n'), std::string::npos);
}

TEST(ConsoleCreateTest, RemovesItsSocketFiles) {
    test::TempDir dir;
    {
        auto console = VirtioConsole::create(nullptr, {{"a", dir.file("a.sock")}});
        ASSERT_TRUE(console);
        EXPECT_TRUE(std::filesystem::exists(dir.file("a.sock")));
    }
    EXPECT_FALSE(std::filesystem::exists(dir.file("a.sock")));
}

TEST(ConsoleControlTest, QueueNumbering) {
    EXPECT_EQ(console::receive_queue(0), 0);
    EXPECT_EQ(console::transmit_queue(0), 1);
    EXPECT_EQ(console::receive_queue(1), 4);
    EXPECT_EQ(console::transmit_queue(1), 5);
    EXPECT_EQ(console::queue_port(7), 2U);
    EXPECT_FALSE(console::queue_port(console::kControlReceiveQueue));
}

TEST(ConsoleControlTest, EncodesNameAfterHeader) {
    auto const bytes = console::encode_control({3, ControlEvent::PortName, 1}, "ab");
    EXPECT_EQ(bytes, (std::vector<uint8_t>{3, 0, 0, 0, 7, 0, 1, 0, 'a', 'b'}));
    auto const parsed = console::parse_control(bytes);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->id, 3U);
    EXPECT_EQ(parsed->event, ControlEvent::PortName);
}

} // namespace
} // namespace vireo::virtio
