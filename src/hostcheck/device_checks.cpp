#include <string>

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include "hostcheck/checks.h"
#include "kvm/kvm_system.h"

namespace vireo::hostcheck {
namespace {

// Documentation/networking/tuntap.rst.
constexpr std::string_view kTunDevice = "/dev/net/tun";
// drivers/vhost: the in-kernel virtio-net and virtio-vsock back ends.
constexpr std::string_view kVhostNetDevice = "/dev/vhost-net";
constexpr std::string_view kVhostVsockDevice = "/dev/vhost-vsock";
constexpr mode_t kPermissionBits = 07777;

enum class NodeState { Missing, NotCharacterDevice, NoAccess, Usable };

struct DeviceNode {
    NodeState state;
    std::string description; // "character device 10:232, mode 0600 root:root"
};

std::string owner_name(uid_t uid) {
    passwd const* entry = getpwuid(uid);
    return entry != nullptr ? entry->pw_name : std::to_string(uid);
}

std::string group_name(gid_t gid) {
    group const* entry = getgrgid(gid);
    return entry != nullptr ? entry->gr_name : std::to_string(gid);
}

DeviceNode inspect(HostRoot const& root, std::string_view path) {
    std::string const full_path = root.path(path);
    struct stat info {};
    if (stat(full_path.c_str(), &info) != 0)
        return {NodeState::Missing, "missing"};
    std::string const permissions = fmt::format("mode {:04o} {}:{}", info.st_mode & kPermissionBits,
                                                owner_name(info.st_uid), group_name(info.st_gid));
    if (!S_ISCHR(info.st_mode))
        return {NodeState::NotCharacterDevice,
                fmt::format("not a character device ({})", permissions)};
    std::string const description = fmt::format("character device {}:{}, {}", major(info.st_rdev),
                                                minor(info.st_rdev), permissions);
    if (access(full_path.c_str(), R_OK | W_OK) != 0)
        return {NodeState::NoAccess,
                fmt::format("{}, not read/write for uid {}", description, getuid())};
    return {NodeState::Usable, description + ", read/write"};
}

// A device vireo can do without: WARN with the consequence when it is not usable.
CheckResult optional_device(HostRoot const& root, std::string_view path,
                            std::string_view consequence) {
    DeviceNode const node = inspect(root, path);
    if (node.state == NodeState::Usable)
        return {std::string(path), CheckStatus::Pass, node.description};
    return {std::string(path), CheckStatus::Warn,
            fmt::format("{}: {}", node.description, consequence)};
}

} // namespace

CheckResult check_kvm_device(HostRoot const& root) {
    std::string const name = kvm::kDevicePath;
    DeviceNode const node = inspect(root, kvm::kDevicePath);
    switch (node.state) {
    case NodeState::Missing:
        return {name, CheckStatus::Fail,
                "missing: this kernel has no KVM, or its module (kvm_intel, kvm_amd) is not "
                "loaded; only --accel emu will work"};
    case NodeState::NotCharacterDevice:
        return {name, CheckStatus::Fail, node.description};
    case NodeState::NoAccess:
        return {name, CheckStatus::Fail,
                node.description + ": run as root or join the device's group"};
    case NodeState::Usable:
        break;
    }
    return {name, CheckStatus::Pass, node.description};
}

CheckResult check_tun_device(HostRoot const& root) {
    return optional_device(root, kTunDevice, "no TAP networking for guests (modprobe tun)");
}

std::vector<CheckResult> check_vhost_devices(HostRoot const& root) {
    return {
        optional_device(root, kVhostNetDevice,
                        "no in-kernel virtio-net back end (modprobe vhost_net); vireo works "
                        "without it"),
        optional_device(root, kVhostVsockDevice,
                        "no in-kernel virtio-vsock back end (modprobe vhost_vsock); vireo works "
                        "without it"),
    };
}

} // namespace vireo::hostcheck
