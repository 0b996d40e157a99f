// Everything `vireo run` needs to build a VM, as parsed and validated from the command line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/units.h"
#include "vmm/device_specs.h"

namespace vireo {

enum class AccelChoice { Auto, Kvm, Emu };
enum class OnReboot { Exit, Restart };

struct VmConfig {
    std::string kernel; // empty: the default guest
    std::optional<std::string> initrd;
    std::optional<std::string> cmdline; // unset: the default guest's or none
    unsigned cpus = 1;
    uint64_t memory_bytes = 512 * MiB;
    AccelChoice accel = AccelChoice::Auto;
    std::string cpu_profile = "baseline";
    std::string console = "stdio";
    OnReboot on_reboot = OnReboot::Exit;
    bool testdev = false;
    bool rng = false;            // a virtio entropy device fed from the host's getrandom()
    std::vector<DiskSpec> disks; // virtio-blk
    std::vector<NetSpec> nets;   // virtio-net
    std::vector<ConsolePortSpec> console_ports; // virtio-console ports
    std::optional<VsockSpec> vsock;             // virtio-vsock
    bool balloon = false;                       // virtio-balloon
    std::optional<std::string> api_socket;      // the VM's control socket
};

} // namespace vireo
