#include <fstream>
#include <sstream>

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "chardev/console.h"
#include "helpers.h"

namespace vireo {
namespace {

std::string contents(std::string const& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

class FileConsoleTest : public ::testing::Test {
protected:
    std::unique_ptr<EventLoop> loop_ = test::started_loop();
    test::TempDir dir_;
};

TEST_F(FileConsoleTest, AppendsGuestOutput) {
    auto const path = dir_.file("guest.log");
    std::ofstream(path) << "earlier run\n";
    {
        auto console = Console::create("file=" + path, *loop_);
        ASSERT_TRUE(console) << console.error().message();
        (*console)->write(test::bytes_of("Linux version 6.1\r\n"));
        (*console)->write(test::bytes_of("login: "));
    }
    EXPECT_EQ(contents(path), "earlier run\nLinux version 6.1\r\nlogin: ");
}

TEST_F(FileConsoleTest, CreatesTheFileWithMode0644) {
    auto const path = dir_.file("new.log");
    mode_t const old_umask = umask(022);
    auto console = Console::create("file=" + path, *loop_);
    umask(old_umask);
    ASSERT_TRUE(console) << console.error().message();
    struct stat info {};
    ASSERT_EQ(stat(path.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0644U);
}

TEST_F(FileConsoleTest, UnwritablePathFailsAtStartUp) {
    auto const path = dir_.file("missing-dir/guest.log");
    auto console = Console::create("file=" + path, *loop_);
    ASSERT_FALSE(console);
    EXPECT_EQ(console.error().message(), "console file " + path + ": No such file or directory");
}

TEST_F(FileConsoleTest, FifoWithoutReaderFailsAtStartUp) {
    auto const path = dir_.file("fifo");
    ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
    auto console = Console::create("file=" + path, *loop_);
    ASSERT_FALSE(console);
    EXPECT_NE(console.error().message().find(path), std::string::npos);
}

} // namespace
} // namespace vireo
