// The legacy PC devices every vireo machine has, plugged into the VM's buses and wired to its
// interrupt controllers, console and machine control.
#pragma once

#include <memory>
#include <vector>

#include "accel/accel.h"
#include "bus/bus.h"
#include "devices/machine.h"
#include "devices/pci/msix.h"
#include "devices/virtio/doorbells.h"
#include "vmm/vm_config.h"

namespace vireo {

class AcpiPm;
class CmosRtc;
class Console;
class EventLoop;
class GuestMemory;
class Uart16550;
namespace pci {
class PciBus;
}
namespace virtio {
class VirtioBalloon;
class VirtioDevice;
} // namespace virtio

// An interrupt line to one global system interrupt of the accelerator's controllers.
class GsiLine final : public IrqLine {
public:
    GsiLine(InterruptController& controller, uint32_t gsi)
        : controller_(controller)
        , gsi_(gsi) {}
    void set_level(bool level) override { controller_.set_irq(gsi_, level); }

private:
    InterruptController& controller_;
    uint32_t gsi_;
};

// Message-signalled interrupts from PCI functions to the accelerator's interrupt controllers.
class MsiForwarder final : public pci::MsiSink {
public:
    explicit MsiForwarder(InterruptController& controller)
        : controller_(controller) {}
    void signal_msi(uint64_t address, uint32_t data) override {
        controller_.signal_msi(address, data);
    }

private:
    InterruptController& controller_;
};

// Queue doorbells of virtio devices, caught by the accelerator where it can (KVM ioeventfd).
class AcceleratorDoorbells final : public virtio::DoorbellRegistry {
public:
    explicit AcceleratorDoorbells(Accelerator& accelerator)
        : accelerator_(accelerator) {}
    bool add(uint64_t address, uint32_t length, uint64_t value, int fd) override {
        return accelerator_.add_doorbell(address, length, value, fd);
    }
    void remove(uint64_t address, uint32_t length, uint64_t value, int fd) override {
        accelerator_.remove_doorbell(address, length, value, fd);
    }

private:
    Accelerator& accelerator_;
};

struct DeviceBuses {
    Bus& pio;
    Bus& mmio;
};

class VmDevices {
public:
    struct Options {
        bool testdev = false;
        bool rng = false;
        std::vector<DiskSpec> disks;                // virtio-blk, one device each
        unsigned cpus = 1;                          // request queues per disk
        std::vector<NetSpec> nets;                  // virtio-net, one device each
        bool balloon = false;                       // virtio-balloon
        std::vector<ConsolePortSpec> console_ports; // virtio-console, one device for all ports
        std::optional<VsockSpec> vsock;             // virtio-vsock
    };

    static Result<std::unique_ptr<VmDevices>> create(Options const& options, DeviceBuses buses,
                                                     Accelerator& accelerator, GuestMemory& memory,
                                                     MachineControl& machine, Console& console,
                                                     EventLoop& loop);
    ~VmDevices();
    VmDevices(VmDevices const&) = delete;
    VmDevices& operator=(VmDevices const&) = delete;

    AcpiPm& acpi_pm() { return *acpi_pm_; }
    CmosRtc& cmos() { return *rtc_; }
    // The balloon the control API drives, or nullptr without --balloon.
    virtio::VirtioBalloon* balloon() { return balloon_.get(); }

private:
    VmDevices(DeviceBuses buses, Accelerator& accelerator, Console& console);
    Result<void> add_legacy(MachineControl& machine, EventLoop& loop);
    Result<void> add_testdev(GuestMemory& memory);
    Result<void> add_platform_devices();
    Result<void> add_pci();
    Result<void> add_virtio(std::shared_ptr<virtio::VirtioDevice> const& device,
                            GuestMemory& memory);
    Result<void> add_disk(DiskSpec const& spec, unsigned cpus, GuestMemory& memory);
    Result<void> add_net(NetSpec const& spec, unsigned index, GuestMemory& memory);
    Result<void> add_balloon(EventLoop& loop, GuestMemory& memory);
    Result<void> add_console(std::vector<ConsolePortSpec> const& ports, EventLoop& loop,
                             GuestMemory& memory);
    Result<void> add_vsock(VsockSpec const& spec, EventLoop& loop, GuestMemory& memory);
    Result<void> insert_port(std::shared_ptr<BusDevice> device, uint64_t base, uint64_t length);

    DeviceBuses buses_;
    Accelerator& accelerator_;
    Console& console_;
    // One line object per GSI; devices keep references to them.
    std::vector<std::unique_ptr<GsiLine>> lines_;
    std::shared_ptr<Uart16550> com1_;
    std::shared_ptr<AcpiPm> acpi_pm_;
    std::shared_ptr<CmosRtc> rtc_;
    std::vector<std::shared_ptr<BusDevice>> devices_;
    // The PCI bus and its host bridge; functions keep a pointer to the MSI forwarder.
    std::unique_ptr<MsiForwarder> msi_;
    AcceleratorDoorbells doorbells_{accelerator_};
    std::unique_ptr<pci::PciBus> pci_;
    std::shared_ptr<virtio::VirtioBalloon> balloon_;
};

} // namespace vireo
