// The device options of `vireo run` (issue 4 spells them; they are a contract), parsed into
// typed specifications. Parsing checks the form; the devices check the host side (files,
// sockets) when the VM is built.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vireo {

// --disk PATH[,readonly=on]
struct DiskSpec {
    std::string path;
    bool readonly = false;
};
Result<DiskSpec> parse_disk_spec(std::string_view text);

// hostfwd=tcp:HOSTPORT-:GUESTPORT, QEMU's user-network form
// (hostfwd=[tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport).
struct HostForward {
    enum class Protocol { Tcp, Udp };
    Protocol protocol = Protocol::Tcp;
    std::string host_address; // empty: every address (QEMU's default)
    uint16_t host_port = 0;
    std::string guest_address; // empty: the guest's DHCP address
    uint16_t guest_port = 0;
};

// --net user[,hostfwd=...]... | --net tap=IFNAME
struct NetSpec {
    enum class Backend { User, Tap };
    Backend backend = Backend::User;
    std::vector<HostForward> forwards; // user only
    std::string tap_interface;         // tap only
};
Result<NetSpec> parse_net_spec(std::string_view text);

// --console-port NAME=socket=PATH
struct ConsolePortSpec {
    std::string name;
    std::string socket_path;
};
Result<ConsolePortSpec> parse_console_port_spec(std::string_view text);

// --vsock CID,socket=PATH
struct VsockSpec {
    uint32_t guest_cid = 0;
    std::string socket_path;
};
Result<VsockSpec> parse_vsock_spec(std::string_view text);

} // namespace vireo
