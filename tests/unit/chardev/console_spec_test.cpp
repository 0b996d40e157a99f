#include <gtest/gtest.h>

#include "chardev/console.h"
#include "chardev/console_spec.h"
#include "helpers.h"

namespace vireo {
namespace {

TEST(ConsoleSpec, ParsesTheThreeForms) {
    auto stdio = parse_console_spec("stdio");
    ASSERT_TRUE(stdio);
    EXPECT_EQ(stdio->kind, ConsoleSpec::Kind::Stdio);
    auto file = parse_console_spec("file=/var/log/guest.log");
    ASSERT_TRUE(file);
    EXPECT_EQ(file->kind, ConsoleSpec::Kind::File);
    EXPECT_EQ(file->path, "/var/log/guest.log");
    auto socket = parse_console_spec("socket=/run/vm.sock");
    ASSERT_TRUE(socket);
    EXPECT_EQ(socket->kind, ConsoleSpec::Kind::Socket);
    EXPECT_EQ(socket->path, "/run/vm.sock");
}

TEST(ConsoleSpec, UnknownFormNamesTheAcceptedOnes) {
    auto spec = parse_console_spec("tcp:1234");
    ASSERT_FALSE(spec);
    EXPECT_EQ(spec.error().message(),
              "unknown console 'tcp:1234' (use stdio, file=PATH or socket=PATH)");
    for (auto text : {"", "Stdio", "stdio ", "socket", "file:/x", "pty"})
        EXPECT_FALSE(parse_console_spec(text)) << text;
}

TEST(ConsoleSpec, EmptyPathIsAnError) {
    auto spec = parse_console_spec("file=");
    ASSERT_FALSE(spec);
    EXPECT_EQ(spec.error().message(), "console 'file=' needs a path after 'file='");
    EXPECT_FALSE(parse_console_spec("socket="));
}

TEST(ConsoleSpec, ConsoleCreateReportsTheParseError) {
    auto loop = test::started_loop();
    auto console = Console::create("serial", *loop);
    ASSERT_FALSE(console);
    EXPECT_EQ(console.error().message(),
              "unknown console 'serial' (use stdio, file=PATH or socket=PATH)");
}

} // namespace
} // namespace vireo
