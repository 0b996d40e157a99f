#include "vmm/vm_devices.h"

#include <algorithm>

#include "base/trace.h"
#include "chardev/console.h"
#include "devices/legacy/acpi_pm.h"
#include "devices/legacy/cmos_rtc.h"
#include "devices/legacy/debug_exit.h"
#include "devices/legacy/i8042.h"
#include "devices/legacy/pc_testdev.h"
#include "devices/legacy/port_sink.h"
#include "devices/legacy/uart16550.h"
#include "devices/pci/config_access.h"
#include "devices/pci/host_bridge.h"
#include "devices/pci/pci_bus.h"
#include "devices/virtio/balloon/virtio_balloon.h"
#include "devices/virtio/block/virtio_block.h"
#include "devices/virtio/console/virtio_console.h"
#include "devices/virtio/net/virtio_net.h"
#include "devices/virtio/rng/virtio_rng.h"
#include "devices/virtio/virtio_pci.h"
#include "devices/virtio/vsock/virtio_vsock.h"
#include "net/slirp_backend.h"
#include "net/tap_backend.h"
#include "x86/pc_layout.h"

namespace vireo {

namespace {

// The 16550's eight registers (PC16550D datasheet, Table 2).
constexpr uint64_t kUartPortCount = 8;

} // namespace

Result<std::unique_ptr<VmDevices>> VmDevices::create(Options const& options, DeviceBuses buses,
                                                     Accelerator& accelerator, GuestMemory& memory,
                                                     MachineControl& machine, Console& console,
                                                     EventLoop& loop) {
    std::unique_ptr<VmDevices> devices(new VmDevices(buses, accelerator, console));
    for (uint32_t gsi = 0; gsi < pc::kIoApicPins; ++gsi)
        devices->lines_.push_back(std::make_unique<GsiLine>(accelerator.interrupts(), gsi));
    TRY(devices->add_platform_devices());
    TRY(devices->add_legacy(machine, loop));
    TRY(devices->add_pci());
    if (options.rng)
        TRY(devices->add_virtio(virtio::VirtioRng::create(&loop), memory));
    for (auto const& disk : options.disks)
        TRY(devices->add_disk(disk, options.cpus, memory));
    for (size_t index = 0; index < options.nets.size(); ++index)
        TRY(devices->add_net(options.nets[index], static_cast<unsigned>(index), memory));
    if (options.balloon)
        TRY(devices->add_balloon(loop, memory));
    if (!options.console_ports.empty())
        TRY(devices->add_console(options.console_ports, loop, memory));
    if (options.vsock)
        TRY(devices->add_vsock(*options.vsock, loop, memory));
    if (options.testdev)
        TRY(devices->add_testdev(memory));
    return devices;
}

VmDevices::VmDevices(DeviceBuses buses, Accelerator& accelerator, Console& console)
    : buses_(buses)
    , accelerator_(accelerator)
    , console_(console) {}

VmDevices::~VmDevices() {
    // The console outlives this VM (it stays across a restart): stop feeding the old UART.
    console_.set_input([](std::span<uint8_t const>) { return size_t{0}; }, [] { return false; });
}

Result<void> VmDevices::insert_port(std::shared_ptr<BusDevice> device, uint64_t base,
                                    uint64_t length) {
    TRY(buses_.pio.insert(device, base, length));
    devices_.push_back(std::move(device));
    return {};
}

Result<void> VmDevices::add_platform_devices() {
    for (auto const& platform : accelerator_.platform_devices()) {
        Bus& bus = platform.space == PlatformDevice::Space::Pio ? buses_.pio : buses_.mmio;
        TRY(bus.insert(platform.device, platform.base, platform.length));
        devices_.push_back(platform.device);
    }
    return {};
}

Result<void> VmDevices::add_legacy(MachineControl& machine, EventLoop& loop) {
    com1_ = std::make_shared<Uart16550>(*lines_[pc::kCom1Irq], console_);
    TRY(insert_port(com1_, pc::kCom1Port, kUartPortCount));
    console_.set_input(
        [uart = com1_](std::span<uint8_t const> bytes) { return uart->receive(bytes); },
        [uart = com1_] { return uart->can_receive(); });
    com1_->set_ready_callback([&console = console_] { console.notify_input_ready(); });

    rtc_ = TRY(CmosRtc::create(*lines_[pc::kRtcIrq], &loop));
    TRY(insert_port(rtc_, pc::kCmosPort, CmosRtc::kPortCount));

    auto keyboard_controller = std::make_shared<I8042>(machine);
    for (auto const& range : I8042::ranges(keyboard_controller))
        TRY(insert_port(range.device, range.base, range.length));

    TRY(insert_port(std::make_shared<DebugExit>(machine), pc::kDebugExitPort, DebugExit::kSize));

    acpi_pm_ = std::make_shared<AcpiPm>(*lines_[pc::kAcpiSciIrq], machine);
    TRY(insert_port(acpi_pm_, pc::kAcpiPmBase, pc::kAcpiPmSize));

    TRY(insert_port(std::make_shared<PortSink>("post-code"), kPostCodePort, 1));
    return {};
}

// The PCI host bridge: configuration mechanism #1 at 0xCF8, the ECAM area the MCFG table
// describes (vm_build.cpp), and the bridge itself in slot 0. BARs go in the 32-bit window
// that the host bridge's _CRS gives the guest.
Result<void> VmDevices::add_pci() {
    msi_ = std::make_unique<MsiForwarder>(accelerator_.interrupts());
    auto gsi_line = [this](uint32_t gsi) -> IrqLine* {
        return gsi < lines_.size() ? lines_[gsi].get() : nullptr;
    };
    pci_ = std::make_unique<pci::PciBus>(pci::PciBus::Wiring{
        buses_.mmio, *msi_, gsi_line, pc::kPciMmioStart, pc::kPciMmioEnd - pc::kPciMmioStart});
    TRY(insert_port(std::make_shared<pci::ConfigPorts>(*pci_), pci::kConfigAddressPort,
                    pci::kConfigPortCount));
    auto ecam = std::make_shared<pci::Ecam>(*pci_);
    TRY(buses_.mmio.insert(ecam, pc::kPciEcamStart, pc::kPciEcamSize));
    devices_.push_back(std::move(ecam));
    TRY(pci_->plug(0, std::make_shared<pci::HostBridge>()));
    return {};
}

// A virtio device in the next free PCI slot.
Result<void> VmDevices::add_virtio(std::shared_ptr<virtio::VirtioDevice> const& device,
                                   GuestMemory& memory) {
    auto function = TRY(virtio::VirtioPciDevice::create(device, memory, &doorbells_));
    auto const slot = pci_->free_slot();
    if (!slot)
        return make_error("PCI: no free slot for {}", function->name());
    return pci_->plug(*slot, std::move(function));
}

// virtio-blk on a raw image (--disk), with a request queue per vCPU: Linux's virtio_blk maps
// one to each CPU when offered, so vCPUs never contend for a queue.
Result<void> VmDevices::add_disk(DiskSpec const& spec, unsigned cpus, GuestMemory& memory) {
    using virtio::block::VirtioBlock;
    auto const access =
        spec.readonly ? virtio::block::DiskAccess::ReadOnly : virtio::block::DiskAccess::ReadWrite;
    auto image = TRY_CONTEXT(virtio::block::DiskImage::open(spec.path, access), "--disk");
    auto const queues =
        static_cast<uint16_t>(std::clamp<unsigned>(cpus, 1, VirtioBlock::kMaxQueues));
    auto device = TRY_CONTEXT(VirtioBlock::create(std::move(image), {.queues = queues}), "--disk");
    return add_virtio(device, memory);
}

// virtio-net (--net) on user-mode networking through libslirp or on a host tap interface;
// the n-th NIC gets the n-th default MAC address.
Result<void> VmDevices::add_net(NetSpec const& spec, unsigned index, GuestMemory& memory) {
    std::unique_ptr<net::Backend> backend;
    if (spec.backend == NetSpec::Backend::Tap) {
        backend = TRY(net::TapBackend::create(spec.tap_interface));
    } else {
        std::vector<net::PortForward> forwards;
        for (auto const& forward : spec.forwards)
            forwards.push_back({forward.protocol == HostForward::Protocol::Udp,
                                forward.host_address, forward.host_port, forward.guest_address,
                                forward.guest_port});
        backend = TRY(net::SlirpBackend::create(forwards));
    }
    auto mac = virtio::VirtioNet::default_mac(index);
    return add_virtio(TRY(virtio::VirtioNet::create(std::move(backend), mac)), memory);
}

// virtio-balloon (--balloon), served on the event loop; the control API sets its target.
Result<void> VmDevices::add_balloon(EventLoop& loop, GuestMemory& memory) {
    balloon_ = virtio::VirtioBalloon::create(&loop);
    return add_virtio(balloon_, memory);
}

// One virtio-console device carries every --console-port, each a named port on its socket.
Result<void> VmDevices::add_console(std::vector<ConsolePortSpec> const& ports, EventLoop& loop,
                                    GuestMemory& memory) {
    std::vector<virtio::VirtioConsole::PortSpec> specs;
    for (auto const& port : ports)
        specs.push_back({port.name, port.socket_path});
    return add_virtio(TRY(virtio::VirtioConsole::create(&loop, specs)), memory);
}

Result<void> VmDevices::add_vsock(VsockSpec const& spec, EventLoop& loop, GuestMemory& memory) {
    return add_virtio(TRY(virtio::VirtioVsock::create(&loop, spec.guest_cid, spec.socket_path)),
                      memory);
}

Result<void> VmDevices::add_testdev(GuestMemory& memory) {
    std::vector<IrqLine*> lines;
    for (size_t i = 0; i < PcTestDev::kIrqLineCount; ++i)
        lines.push_back(lines_[i].get());
    auto testdev = TRY(PcTestDev::create(memory, lines));
    for (auto const& range : PcTestDev::port_ranges(testdev))
        TRY(insert_port(range.device, range.base, range.length));
    auto iomem = testdev->mmio_range();
    TRY(buses_.mmio.insert(iomem.device, iomem.base, iomem.length));
    devices_.push_back(testdev);
    return {};
}

} // namespace vireo
