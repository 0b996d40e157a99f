#include <gtest/gtest.h>

#include "vmm/device_specs.h"

namespace vireo {
namespace {

TEST(DiskSpec, PathAndReadonly) {
    auto plain = parse_disk_spec("/var/disk.img");
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->path, "/var/disk.img");
    EXPECT_FALSE(plain->readonly);
    auto ro = parse_disk_spec("disk.img,readonly=on");
    ASSERT_TRUE(ro);
    EXPECT_TRUE(ro->readonly);
    EXPECT_FALSE(parse_disk_spec("disk.img,readonly=off")->readonly);
}

TEST(DiskSpec, RejectsBadForms) {
    EXPECT_FALSE(parse_disk_spec(""));
    EXPECT_FALSE(parse_disk_spec(",readonly=on"));
    EXPECT_FALSE(parse_disk_spec("d.img,readonly=yes"));
    auto unknown = parse_disk_spec("d.img,cache=none");
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().message().find("cache"), std::string::npos);
}

TEST(NetSpec, UserWithForwards) {
    auto spec = parse_net_spec("user,hostfwd=tcp:8080-:80,hostfwd=udp:127.0.0.1:5353-10.0.2.15:53");
    ASSERT_TRUE(spec) << spec.error().message();
    EXPECT_EQ(spec->backend, NetSpec::Backend::User);
    ASSERT_EQ(spec->forwards.size(), 2U);
    EXPECT_EQ(spec->forwards[0].protocol, HostForward::Protocol::Tcp);
    EXPECT_EQ(spec->forwards[0].host_port, 8080);
    EXPECT_EQ(spec->forwards[0].guest_port, 80);
    EXPECT_EQ(spec->forwards[0].host_address, "");
    EXPECT_EQ(spec->forwards[1].protocol, HostForward::Protocol::Udp);
    EXPECT_EQ(spec->forwards[1].host_address, "127.0.0.1");
    EXPECT_EQ(spec->forwards[1].guest_address, "10.0.2.15");
    EXPECT_EQ(spec->forwards[1].guest_port, 53);
}

TEST(NetSpec, Tap) {
    auto spec = parse_net_spec("tap=vireo0");
    ASSERT_TRUE(spec);
    EXPECT_EQ(spec->backend, NetSpec::Backend::Tap);
    EXPECT_EQ(spec->tap_interface, "vireo0");
}

TEST(NetSpec, RejectsBadForms) {
    for (auto const* bad :
         {"", "bridge", "tap=", "tap=x,hostfwd=tcp:1-:2", "user,foo=1", "user,hostfwd=sctp:1-:2",
          "user,hostfwd=tcp:1:2", "user,hostfwd=tcp:0-:80", "user,hostfwd=tcp:8080-:70000"}) {
        EXPECT_FALSE(parse_net_spec(bad)) << bad;
    }
}

TEST(ConsolePortSpec, NameAndSocket) {
    auto spec = parse_console_port_spec("org.qemu.guest_agent.0=socket=/run/qga.sock");
    ASSERT_TRUE(spec);
    EXPECT_EQ(spec->name, "org.qemu.guest_agent.0");
    EXPECT_EQ(spec->socket_path, "/run/qga.sock");
    EXPECT_FALSE(parse_console_port_spec("name"));
    EXPECT_FALSE(parse_console_port_spec("=socket=/x"));
    EXPECT_FALSE(parse_console_port_spec("name=socket="));
    EXPECT_FALSE(parse_console_port_spec("name=file=/x"));
    EXPECT_FALSE(parse_console_port_spec("a/b=socket=/x"));
}

TEST(VsockSpec, CidAndSocket) {
    auto spec = parse_vsock_spec("3,socket=/run/v.sock");
    ASSERT_TRUE(spec);
    EXPECT_EQ(spec->guest_cid, 3U);
    EXPECT_EQ(spec->socket_path, "/run/v.sock");
    EXPECT_FALSE(parse_vsock_spec("2,socket=/x")); // the host's CID
    EXPECT_FALSE(parse_vsock_spec("4294967295,socket=/x"));
    EXPECT_FALSE(parse_vsock_spec("x,socket=/x"));
    EXPECT_FALSE(parse_vsock_spec("3"));
    EXPECT_FALSE(parse_vsock_spec("3,path=/x"));
}

} // namespace
} // namespace vireo
