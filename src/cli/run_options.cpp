#include <fstream>

#include <sys/stat.h>

#include "base/trace.h"
#include "base/units.h"
#include "cli/run_command.h"
#include "x86/cpuid.h"
#include "x86/pc_layout.h"

namespace vireo::cli {

namespace {

constexpr char const* kRunDescription =
    "Boot a virtual machine in the foreground. Its serial console is this terminal unless\n"
    "--console says otherwise; in a terminal, Ctrl-A x quits and Ctrl-A h lists the keys.";

constexpr char const* kRunFooter = R"(Kernels:
  --kernel takes a bzImage (Linux 64-bit boot protocol), an ELF vmlinux with a PVH
  entry note, or a multiboot v1 ELF (then --initrd is its one module and --cmdline its
  command line). Without --kernel, vireo boots the default guest that
  guest/build-default-guest prepares (Debian's kernel and a busybox initramfs).

Exit status:
  0          the guest powered off (or rebooted, with --on-reboot exit)
  (v<<1)|1   the guest wrote v to the debug-exit port 0xf4 (as QEMU's isa-debug-exit)
  2          bad usage or a start-up error (one line on stderr says which)
  4          a vCPU triple-faulted (registers are dumped on stderr)
  6          the accelerator failed (KVM internal error, emulation failure; registers dumped)
  128+n      stopped by signal n

Examples:
  vireo run
  vireo run --kernel bzImage --initrd initrd.cpio.gz --cmdline "console=ttyS0" --cpus 2 --memory 1G
  vireo run --kernel test.elf --accel kvm --testdev --console file=serial.log)";

// The host's memory and swap, the most a guest may be promised.
uint64_t host_memory_limit() {
    std::ifstream meminfo("/proc/meminfo");
    std::string key;
    uint64_t value = 0;
    std::string unit;
    uint64_t total = 0;
    while (meminfo >> key >> value) {
        std::getline(meminfo, unit);
        if (key == "MemTotal:" || key == "SwapTotal:")
            total += value * KiB;
    }
    return total;
}

Result<void> check_readable_file(std::string const& option, std::string const& path) {
    struct stat info {};
    if (stat(path.c_str(), &info) != 0)
        return tl::unexpected(Error::from_errno("{} {}", option, path));
    if (!S_ISREG(info.st_mode))
        return make_error("{} {}: not a regular file", option, path);
    return {};
}

} // namespace

CLI::App* add_run_command(CLI::App& app, RunOptions& options) {
    auto* run = app.add_subcommand("run", kRunDescription);
    run->footer(kRunFooter);
    run->add_option("--kernel", options.kernel,
                    "Kernel to boot (bzImage, PVH vmlinux, multiboot ELF)")
        ->type_name("FILE");
    run->add_option("--initrd", options.initrd, "Initial ramdisk (multiboot: the module)")
        ->type_name("FILE");
    run->add_option("--cmdline", options.cmdline, "Kernel command line")->type_name("STR");
    run->add_option("--cpus", options.cpus, "Number of vCPUs (1-64)")
        ->type_name("N")
        ->default_str("1");
    run->add_option("--memory", options.memory, "Guest RAM: 512M, 2G; a plain number is MiB")
        ->type_name("SIZE")
        ->default_str("512M");
    run->add_option("--accel", options.accel,
                    "kvm: hardware virtualization; emu: vireo's own x86-64 emulator; auto: kvm "
                    "where it runs guest kernel code natively, else emu")
        ->type_name("auto|kvm|emu")
        ->default_str("auto");
    run->add_option("--cpu", options.cpu,
                    "CPU model on KVM: host (everything KVM offers) or baseline (portable, "
                    "safe on nested hosts)")
        ->type_name("host|baseline")
        ->default_str("baseline");
    run->add_option("--console", options.console,
                    "Serial console: this terminal, a file (appended to, never truncated), or a "
                    "unix socket to connect to")
        ->type_name("stdio|file=PATH|socket=PATH")
        ->default_str("stdio");
    run->add_option("--on-reboot", options.on_reboot,
                    "When the guest reboots: exit (status 0) or restart the VM")
        ->type_name("exit|restart")
        ->default_str("exit");
    run->add_flag("--testdev", options.testdev,
                  "Add a QEMU pc-testdev compatible test device (ports 0xe0-0xeb, 0x2000-0x2017, "
                  "MMIO at 0xff000000)");
    run->add_flag("--rng", options.rng,
                  "Add a virtio entropy device (virtio-rng) fed from the host's getrandom()");
    run->add_option("--disk", options.disks,
                    "Add a virtio block device on a raw image (repeatable)")
        ->type_name("PATH[,readonly=on]");
    run->add_option("--net", options.nets,
                    "Add a virtio network device: user-mode networking (the guest is 10.0.2.15, "
                    "the host 10.0.2.2) with host port forwards, or a tap interface (repeatable)")
        ->type_name("user[,hostfwd=tcp:HOSTPORT-:GUESTPORT]|tap=IFNAME");
    run->add_option("--console-port", options.console_ports,
                    "Add a virtio console port /dev/virtio-ports/NAME bridged to a unix socket "
                    "(repeatable)")
        ->type_name("NAME=socket=PATH");
    run->add_option("--vsock", options.vsock,
                    "Add a virtio vsock device with guest CID CID; host programs connect to PATH "
                    "and send 'CONNECT <port>', guest connections to port P arrive at PATH_P")
        ->type_name("CID,socket=PATH");
    run->add_flag("--balloon", options.balloon,
                  "Add a virtio memory balloon (its target is set through --api-socket)");
    run->add_option("--api-socket", options.api_socket,
                    "Serve the VM's JSON control API on this unix socket")
        ->type_name("PATH");
    run->add_option("--trace", options.trace,
                    "Debug tracing for subsystems, e.g. kvm,serial or all (also VIREO_TRACE)")
        ->type_name("LIST");
    return run;
}

Result<VmConfig> make_vm_config(RunOptions const& options) {
    VmConfig config;
    if (!options.kernel.empty())
        TRY(check_readable_file("--kernel", options.kernel));
    config.kernel = options.kernel;
    if (!options.initrd.empty()) {
        TRY(check_readable_file("--initrd", options.initrd));
        config.initrd = options.initrd;
    }
    config.cmdline = options.cmdline;

    if (options.cpus < 1 || options.cpus > pc::kMaxVcpus)
        return make_error("--cpus {}: a VM has between 1 and {} vCPUs", options.cpus,
                          pc::kMaxVcpus);
    config.cpus = options.cpus;

    auto memory = parse_memory_size(options.memory);
    if (!memory)
        return tl::unexpected(memory.error().with_context("--memory"));
    constexpr uint64_t kMinimumMemory = 16 * MiB;
    if (*memory < kMinimumMemory)
        return make_error("--memory {}: a VM needs at least 16 MiB", options.memory);
    uint64_t const host_limit = host_memory_limit();
    if (*memory > pc::kMaxRamBytes || (host_limit != 0 && *memory > host_limit))
        return make_error("--memory {}: more than this host can provide ({} MiB of RAM and swap)",
                          options.memory, host_limit / MiB);
    config.memory_bytes = *memory;

    if (options.accel == "auto")
        config.accel = AccelChoice::Auto;
    else if (options.accel == "kvm")
        config.accel = AccelChoice::Kvm;
    else if (options.accel == "emu")
        config.accel = AccelChoice::Emu;
    else
        return make_error("--accel {}: use auto, kvm or emu", options.accel);

    TRY_CONTEXT(x86::parse_cpu_profile(options.cpu), "--cpu");
    config.cpu_profile = options.cpu;

    if (options.on_reboot == "exit")
        config.on_reboot = OnReboot::Exit;
    else if (options.on_reboot == "restart")
        config.on_reboot = OnReboot::Restart;
    else
        return make_error("--on-reboot {}: use exit or restart", options.on_reboot);

    config.console = options.console;
    config.testdev = options.testdev;
    config.rng = options.rng;
    for (auto const& disk : options.disks)
        config.disks.push_back(TRY(parse_disk_spec(disk)));
    for (auto const& net : options.nets)
        config.nets.push_back(TRY(parse_net_spec(net)));
    for (auto const& port : options.console_ports)
        config.console_ports.push_back(TRY(parse_console_port_spec(port)));
    if (!options.vsock.empty())
        config.vsock = TRY(parse_vsock_spec(options.vsock));
    config.balloon = options.balloon;
    if (!options.api_socket.empty())
        config.api_socket = options.api_socket;
    if (!options.trace.empty())
        TRY_CONTEXT(enable_trace(options.trace), "--trace");
    return config;
}

} // namespace vireo::cli
