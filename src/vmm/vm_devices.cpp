#include "vmm/vm_devices.h"

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
#include "devices/virtio/rng/virtio_rng.h"
#include "devices/virtio/virtio_pci.h"
#include "x86/pc_layout.h"

namespace vireo {

namespace {

// The 16550's eight registers (PC16550D datasheet, Table 2).
constexpr uint64_t kUartPortCount = 8;

} // namespace

Result<void> refuse_unavailable_devices(VmConfig const& config) {
    if (!config.disks.empty())
        return make_error("--disk: virtio-blk is not in this build yet");
    if (!config.nets.empty())
        return make_error("--net: virtio-net is not in this build yet");
    if (!config.console_ports.empty())
        return make_error("--console-port: virtio-console is not in this build yet");
    if (config.vsock)
        return make_error("--vsock: virtio-vsock is not in this build yet");
    if (config.balloon)
        return make_error("--balloon: virtio-balloon is not in this build yet");
    if (config.api_socket)
        return make_error("--api-socket: the control API is not in this build yet");
    return {};
}

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
Result<void> VmDevices::add_virtio(std::shared_ptr<virtio::VirtioDevice> device,
                                   GuestMemory& memory) {
    auto function = TRY(virtio::VirtioPciDevice::create(std::move(device), memory));
    auto const slot = pci_->free_slot();
    if (!slot)
        return make_error("PCI: no free slot for {}", function->name());
    return pci_->plug(*slot, std::move(function));
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
