#include <cstring>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <gtest/gtest.h>

#include "base/fd.h"
#include "chardev/console.h"
#include "devices/legacy/uart16550.h"
#include "helpers.h"

namespace vireo {
namespace {

sockaddr_un address_of(std::string const& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
    return address;
}

UniqueFd connect_to(std::string const& path) {
    UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    auto const address = address_of(path);
    EXPECT_EQ(connect(fd.get(), reinterpret_cast<sockaddr const*>(&address), sizeof(address)), 0);
    return fd;
}

void send_text(int fd, std::string_view text) {
    ASSERT_EQ(send(fd, text.data(), text.size(), MSG_NOSIGNAL), static_cast<ssize_t>(text.size()));
}

class SocketConsoleTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto created = Console::create("socket=" + path_, *loop_);
        ASSERT_TRUE(created) << created.error().message();
        console_ = std::move(*created);
    }
    void print(std::string_view text) { console_->write(test::bytes_of(text)); }

    std::unique_ptr<EventLoop> loop_ = test::started_loop();
    test::TempDir dir_;
    std::string const path_ = dir_.file("console.sock");
    std::unique_ptr<Console> console_;
};

TEST_F(SocketConsoleTest, ReplaysOutputFromBeforeTheClient) {
    std::string const banner = "[    0.000000] Linux version 6.1\n";
    print(banner);
    auto client = connect_to(path_);
    EXPECT_EQ(test::read_exactly(client.get(), banner.size()), banner);
    print("login: ");
    EXPECT_EQ(test::read_exactly(client.get(), 7), "login: ");
}

TEST_F(SocketConsoleTest, RingKeepsTheNewest64KiB) {
    std::string log;
    for (int i = 0; log.size() < 100 * 1024; ++i)
        log += "line " + std::to_string(i) + "\n";
    print(log);
    auto client = connect_to(path_);
    std::string const got = test::read_exactly(client.get(), 64 * 1024);
    EXPECT_EQ(got, log.substr(log.size() - 64 * 1024));
    EXPECT_TRUE(test::stays_quiet(client.get()));
}

TEST_F(SocketConsoleTest, OneClientAtATime) {
    auto first = connect_to(path_);
    print("a");
    ASSERT_EQ(test::read_exactly(first.get(), 1), "a");
    auto second = connect_to(path_); // waits in the backlog
    print("b");
    EXPECT_EQ(test::read_exactly(first.get(), 1), "b");
    EXPECT_TRUE(test::stays_quiet(second.get()));
    first.reset();
    print("c");
    EXPECT_EQ(test::read_exactly(second.get(), 1), "c");
}

TEST_F(SocketConsoleTest, ClientInputReachesTheReceiver) {
    std::mutex mutex;
    std::string received;
    console_->set_input(
        [&](std::span<uint8_t const> bytes) {
            std::lock_guard lock(mutex);
            received.append(bytes.begin(), bytes.end());
            return bytes.size();
        },
        [] { return true; });
    auto client = connect_to(path_);
    send_text(client.get(), "root\n");
    EXPECT_TRUE(test::wait_until([&] {
        std::lock_guard lock(mutex);
        return received == "root\n";
    }));
}

// End to end with the UART: the client types more than the receive FIFO holds while the
// "guest" drains it slowly; every byte arrives, in order.
TEST_F(SocketConsoleTest, FlowControlThroughTheUartLosesNothing) {
    struct NullIrq final : IrqLine {
        void set_level(bool) override {}
    } irq;
    struct NullSink final : CharSink {
        void write(std::span<uint8_t const>) override {}
    } sink;
    Uart16550 uart(irq, sink);
    uart.set_ready_callback([this] { console_->notify_input_ready(); });
    console_->set_input([&](std::span<uint8_t const> bytes) { return uart.receive(bytes); },
                        [&] { return uart.can_receive(); });
    uint8_t fcr = 0x01; // FIFOs on
    uart.write(2, std::span(&fcr, 1));

    std::string typed;
    for (int i = 0; i < 3000; ++i)
        typed.push_back(static_cast<char>('a' + i % 26));
    auto client = connect_to(path_);
    send_text(client.get(), typed);

    std::string got;
    auto guest_reads = [&] {
        uint8_t lsr = 0;
        uart.read(5, std::span(&lsr, 1));
        while (lsr & 0x01) {
            uint8_t byte = 0;
            uart.read(0, std::span(&byte, 1));
            got.push_back(static_cast<char>(byte));
            uart.read(5, std::span(&lsr, 1));
        }
        return got.size() == typed.size();
    };
    EXPECT_TRUE(test::wait_until(guest_reads));
    EXPECT_EQ(got, typed);
}

TEST_F(SocketConsoleTest, PathInUseIsAnError) {
    auto again = Console::create("socket=" + path_, *loop_);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().message(), "console socket " + path_ + " is in use by another process");
}

TEST_F(SocketConsoleTest, RemovesTheSocketFileAtExit) {
    struct stat info {};
    ASSERT_EQ(stat(path_.c_str(), &info), 0);
    console_.reset();
    EXPECT_NE(stat(path_.c_str(), &info), 0);
}

TEST(SocketConsole, ReplacesAStaleSocketFile) {
    auto loop = test::started_loop();
    test::TempDir dir;
    auto const path = dir.file("stale.sock");
    {
        // What a killed vireo leaves behind: a bound socket file with no listener.
        UniqueFd dead(socket(AF_UNIX, SOCK_STREAM, 0));
        auto const address = address_of(path);
        ASSERT_EQ(bind(dead.get(), reinterpret_cast<sockaddr const*>(&address), sizeof(address)),
                  0);
    }
    auto console = Console::create("socket=" + path, *loop);
    ASSERT_TRUE(console) << console.error().message();
    auto client = connect_to(path);
    (*console)->write(test::bytes_of("ok"));
    EXPECT_EQ(test::read_exactly(client.get(), 2), "ok");
}

TEST(SocketConsole, RefusesToReplaceSomethingElse) {
    auto loop = test::started_loop();
    test::TempDir dir;
    auto const path = dir.file("notes.txt");
    std::fclose(std::fopen(path.c_str(), "w"));
    auto console = Console::create("socket=" + path, *loop);
    ASSERT_FALSE(console);
    EXPECT_EQ(console.error().message(),
              "console socket path " + path + " exists and is not a socket");
}

} // namespace
} // namespace vireo
