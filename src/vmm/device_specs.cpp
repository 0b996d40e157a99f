#include "vmm/device_specs.h"

#include <limits>

#include "base/units.h"

namespace vireo {

namespace {

// Splits "a,b,c" at commas.
std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    for (;;) {
        auto const at = text.find(separator);
        parts.push_back(text.substr(0, at));
        if (at == std::string_view::npos)
            return parts;
        text.remove_prefix(at + 1);
    }
}

Result<bool> parse_on_off(std::string_view key, std::string_view value) {
    if (value == "on")
        return true;
    if (value == "off")
        return false;
    return make_error("{}={}: use on or off", key, value);
}

Result<uint16_t> parse_port(std::string_view text, std::string_view what) {
    auto value = parse_unsigned(text);
    if (!value || *value == 0 || *value > std::numeric_limits<uint16_t>::max())
        return make_error("{} '{}' is not a port number (1-65535)", what, text);
    return static_cast<uint16_t>(*value);
}

// [addr]:port
Result<std::pair<std::string, uint16_t>> parse_endpoint(std::string_view text,
                                                        std::string_view what) {
    auto const colon = text.rfind(':');
    if (colon == std::string_view::npos)
        return make_error("{} '{}' needs the form [ADDRESS]:PORT", what, text);
    auto port = TRY(parse_port(text.substr(colon + 1), what));
    return std::pair{std::string(text.substr(0, colon)), port};
}

Result<HostForward> parse_host_forward(std::string_view text) {
    // tcp:HOSTADDR:HOSTPORT-GUESTADDR:GUESTPORT, where the addresses may be empty.
    HostForward forward;
    auto const colon = text.find(':');
    auto const protocol = text.substr(0, colon);
    if (protocol == "tcp")
        forward.protocol = HostForward::Protocol::Tcp;
    else if (protocol == "udp")
        forward.protocol = HostForward::Protocol::Udp;
    else
        return make_error("hostfwd={}: the protocol must be tcp or udp", text);
    if (colon == std::string_view::npos)
        return make_error("hostfwd={}: expected tcp:HOSTPORT-:GUESTPORT", text);
    auto const rest = text.substr(colon + 1);
    auto const dash = rest.find('-');
    if (dash == std::string_view::npos)
        return make_error("hostfwd={}: expected tcp:HOSTPORT-:GUESTPORT", text);
    auto host = rest.substr(0, dash);
    // "tcp:8080-:80": the host side may omit its address and colon.
    std::string host_with_colon =
        host.find(':') == std::string_view::npos ? ":" + std::string(host) : std::string(host);
    auto host_end =
        TRY_CONTEXT(parse_endpoint(host_with_colon, "host port"), fmt::format("hostfwd={}", text));
    auto guest_end = TRY_CONTEXT(parse_endpoint(rest.substr(dash + 1), "guest port"),
                                 fmt::format("hostfwd={}", text));
    forward.host_address = host_end.first;
    forward.host_port = host_end.second;
    forward.guest_address = guest_end.first;
    forward.guest_port = guest_end.second;
    return forward;
}

} // namespace

Result<DiskSpec> parse_disk_spec(std::string_view text) {
    auto parts = split(text, ',');
    DiskSpec spec;
    spec.path = std::string(parts.front());
    if (spec.path.empty())
        return make_error("--disk '{}': expected PATH[,readonly=on]", text);
    for (size_t i = 1; i < parts.size(); ++i) {
        auto const eq = parts[i].find('=');
        auto const key = parts[i].substr(0, eq);
        auto const value =
            eq == std::string_view::npos ? std::string_view() : parts[i].substr(eq + 1);
        if (key == "readonly")
            spec.readonly = TRY_CONTEXT(parse_on_off(key, value), "--disk");
        else
            return make_error("--disk '{}': unknown property '{}' (known: readonly)", text, key);
    }
    return spec;
}

Result<NetSpec> parse_net_spec(std::string_view text) {
    auto parts = split(text, ',');
    NetSpec spec;
    if (parts.front().starts_with("tap=")) {
        spec.backend = NetSpec::Backend::Tap;
        spec.tap_interface = std::string(parts.front().substr(4));
        if (spec.tap_interface.empty() || parts.size() > 1)
            return make_error("--net '{}': expected tap=IFNAME", text);
        return spec;
    }
    if (parts.front() != "user")
        return make_error("--net '{}': expected user[,hostfwd=tcp:HOSTPORT-:GUESTPORT] or "
                          "tap=IFNAME",
                          text);
    for (size_t i = 1; i < parts.size(); ++i) {
        if (!parts[i].starts_with("hostfwd="))
            return make_error("--net '{}': unknown property '{}' (known: hostfwd)", text, parts[i]);
        spec.forwards.push_back(TRY_CONTEXT(parse_host_forward(parts[i].substr(8)), "--net"));
    }
    return spec;
}

Result<ConsolePortSpec> parse_console_port_spec(std::string_view text) {
    auto const eq = text.find('=');
    ConsolePortSpec spec;
    spec.name = std::string(text.substr(0, eq));
    auto const rest = eq == std::string_view::npos ? std::string_view() : text.substr(eq + 1);
    if (spec.name.empty() || !rest.starts_with("socket=") || rest.size() == 7)
        return make_error("--console-port '{}': expected NAME=socket=PATH", text);
    // virtio 1.2 5.3.6.2: the name becomes /dev/virtio-ports/NAME in the guest.
    for (char c : spec.name) {
        if (c == '/' || c == '\0' || c == ' ')
            return make_error("--console-port '{}': the name may not contain '/' or spaces", text);
    }
    spec.socket_path = std::string(rest.substr(7));
    return spec;
}

Result<VsockSpec> parse_vsock_spec(std::string_view text) {
    auto const comma = text.find(',');
    auto const cid_text = text.substr(0, comma);
    auto const rest = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (!rest.starts_with("socket=") || rest.size() == 7)
        return make_error("--vsock '{}': expected CID,socket=PATH", text);
    auto cid = parse_unsigned(cid_text);
    // virtio 1.2 5.10.4: CIDs 0-2 are reserved (hypervisor, local, host); 0xffffffff is
    // VMADDR_CID_ANY.
    constexpr uint64_t kFirstGuestCid = 3;
    if (!cid || *cid < kFirstGuestCid || *cid >= std::numeric_limits<uint32_t>::max())
        return make_error("--vsock '{}': the guest CID must be a number from 3 to 4294967294",
                          text);
    return VsockSpec{static_cast<uint32_t>(*cid), std::string(rest.substr(7))};
}

} // namespace vireo
