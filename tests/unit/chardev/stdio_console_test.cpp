#include <mutex>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <termios.h>

#include "base/fd.h"
#include "chardev/console.h"
#include "chardev/escape_filter.h"
#include "chardev/terminal.h"
#include "helpers.h"

namespace vireo {
namespace {

struct Pipe {
    Pipe() {
        int fds[2];
        EXPECT_EQ(pipe2(fds, O_CLOEXEC), 0);
        read_end = UniqueFd(fds[0]);
        write_end = UniqueFd(fds[1]);
    }
    UniqueFd read_end;
    UniqueFd write_end;
};

// Collects what the console delivers, as a device that always has room.
struct Collector {
    void attach(Console& console) {
        console.set_input(
            [this](std::span<uint8_t const> bytes) {
                std::lock_guard lock(mutex);
                text.append(bytes.begin(), bytes.end());
                return bytes.size();
            },
            [] { return true; });
    }
    bool has(std::string const& expected) {
        return test::wait_until([&] {
            std::lock_guard lock(mutex);
            return text == expected;
        });
    }
    std::mutex mutex;
    std::string text;
};

class PipeConsoleTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto created =
            Console::create_stdio(input_.read_end.get(), output_.write_end.get(), *loop_);
        ASSERT_TRUE(created) << created.error().message();
        console_ = std::move(*created);
        collector_.attach(*console_);
    }
    void type(std::string_view text) {
        ASSERT_EQ(::write(input_.write_end.get(), text.data(), text.size()),
                  static_cast<ssize_t>(text.size()));
    }

    std::unique_ptr<EventLoop> loop_ = test::started_loop();
    Pipe input_;
    Pipe output_;
    Collector collector_;
    std::unique_ptr<Console> console_;
};

TEST_F(PipeConsoleTest, OutputReachesStdout) {
    console_->write(test::bytes_of("Booting Linux\r\n"));
    EXPECT_EQ(test::read_exactly(output_.read_end.get(), 15), "Booting Linux\r\n");
}

// Not a terminal: no escape handling, Ctrl-A is just a byte.
TEST_F(PipeConsoleTest, InputIsForwardedUnchanged) {
    bool quit = false;
    console_->set_on_quit([&] { quit = true; });
    type("echo hi\n\x01x");
    EXPECT_TRUE(collector_.has("echo hi\n\x01x"));
    EXPECT_FALSE(quit);
}

TEST_F(PipeConsoleTest, EndOfInputStopsReadingButNotOutput) {
    type("last");
    EXPECT_TRUE(collector_.has("last"));
    input_.write_end.reset();
    console_->write(test::bytes_of("still here"));
    EXPECT_EQ(test::read_exactly(output_.read_end.get(), 10), "still here");
}

// Nobody reads stdout: writes must still return promptly (the vCPU must not hang), and the
// newest output is what is kept.
TEST_F(PipeConsoleTest, StuckOutputNeverBlocksTheWriter) {
    std::string const chunk(4096, 'x');
    auto const start = std::chrono::steady_clock::now();
    for (int i = 0; i < 512; ++i) // 2 MiB, far more than the pipe and the ring hold
        console_->write(test::bytes_of(chunk));
    console_->write(test::bytes_of("THE END"));
    auto const elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_LT(elapsed, std::chrono::seconds(1));
    // Drain the pipe concurrently with the console's exit flush; the end must arrive.
    std::string all;
    std::thread reader([&] {
        all = test::read_exactly(output_.read_end.get(), 4 << 20, std::chrono::milliseconds(2000));
    });
    console_.reset();
    output_.write_end.reset();
    reader.join();
    EXPECT_TRUE(all.ends_with("THE END"));
}

// Regular files and /dev/null cannot be watched with epoll; the console reads them anyway.
TEST(StdioConsole, RegularFileInputIsForwarded) {
    auto loop = test::started_loop();
    test::TempDir dir;
    auto const path = dir.file("commands");
    std::string commands;
    for (int i = 0; i < 1000; ++i)
        commands += "echo " + std::to_string(i) + "\n";
    {
        UniqueFd out(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
        ASSERT_EQ(::write(out.get(), commands.data(), commands.size()),
                  static_cast<ssize_t>(commands.size()));
    }
    UniqueFd input(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    UniqueFd output(::open("/dev/null", O_WRONLY | O_CLOEXEC));
    auto console = Console::create_stdio(input.get(), output.get(), *loop);
    ASSERT_TRUE(console) << console.error().message();
    Collector collector;
    collector.attach(**console);
    EXPECT_TRUE(collector.has(commands));
    (*console)->write(test::bytes_of("to /dev/null"));
}

TEST(StdioConsole, DevNullInputIsJustTheEnd) {
    auto loop = test::started_loop();
    UniqueFd input(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    Pipe output;
    auto console = Console::create_stdio(input.get(), output.write_end.get(), *loop);
    ASSERT_TRUE(console) << console.error().message();
    Collector collector;
    collector.attach(**console);
    (*console)->write(test::bytes_of("ok"));
    EXPECT_EQ(test::read_exactly(output.read_end.get(), 2), "ok");
    EXPECT_TRUE(collector.text.empty());
}

class PtyConsoleTest : public ::testing::Test {
protected:
    void SetUp() override {
        int master = -1;
        int slave = -1;
        ASSERT_EQ(openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
        master_ = UniqueFd(master);
        slave_ = UniqueFd(slave);
        auto created = Console::create_stdio(slave_.get(), slave_.get(), *loop_);
        ASSERT_TRUE(created) << created.error().message();
        console_ = std::move(*created);
        collector_.attach(*console_);
    }
    void TearDown() override { console_.reset(); }
    void type(std::string_view text) {
        ASSERT_EQ(::write(master_.get(), text.data(), text.size()),
                  static_cast<ssize_t>(text.size()));
    }
    tcflag_t local_flags() {
        struct termios settings {};
        EXPECT_EQ(tcgetattr(slave_.get(), &settings), 0);
        return settings.c_lflag;
    }

    std::unique_ptr<EventLoop> loop_ = test::started_loop();
    UniqueFd master_;
    UniqueFd slave_;
    Collector collector_;
    std::unique_ptr<Console> console_;
};

TEST_F(PtyConsoleTest, TerminalIsRawAndRestoredAtExit) {
    EXPECT_EQ(local_flags() & (ICANON | ECHO | ISIG), 0U);
    console_.reset();
    EXPECT_EQ(local_flags() & (ICANON | ECHO | ISIG), tcflag_t{ICANON | ECHO | ISIG});
}

TEST_F(PtyConsoleTest, RestoreTerminalIsIdempotent) {
    restore_terminal();
    EXPECT_NE(local_flags() & ICANON, 0U);
    restore_terminal();
    EXPECT_NE(local_flags() & ICANON, 0U);
}

TEST_F(PtyConsoleTest, CtrlCGoesToTheGuest) {
    type("\x03");
    EXPECT_TRUE(collector_.has("\x03"));
}

TEST_F(PtyConsoleTest, CtrlAXQuits) {
    std::atomic<bool> quit{false};
    console_->set_on_quit([&] { quit = true; });
    type("ls\r\x01x");
    EXPECT_TRUE(test::wait_until([&] { return quit.load(); }));
    EXPECT_TRUE(collector_.has("ls\r"));
}

TEST_F(PtyConsoleTest, CtrlACtrlASendsCtrlA) {
    type("\x01\x01q");
    EXPECT_TRUE(collector_.has("\x01q"));
}

TEST_F(PtyConsoleTest, CtrlAHPrintsHelp) {
    type("\x01h");
    std::string const help(EscapeFilter::help_text());
    std::string const shown = test::read_exactly(master_.get(), 40);
    EXPECT_NE(shown.find("vireo console escapes"), std::string::npos) << shown;
}

} // namespace
} // namespace vireo
