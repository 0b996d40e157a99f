// The legacy PC devices every vireo machine has, plugged into the VM's buses and wired to its
// interrupt controllers, console and machine control.
#pragma once

#include <memory>
#include <vector>

#include "accel/accel.h"
#include "bus/bus.h"
#include "devices/machine.h"
#include "vmm/vm_config.h"
#include "devices/pci/msix.h"

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
class VirtioDevice;
}

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

struct DeviceBuses {
    Bus& pio;
    Bus& mmio;
};

// Device options whose device models are not in this build are refused with one line rather
// than ignored. Each device's engineer removes its line when the device lands.
Result<void> refuse_unavailable_devices(VmConfig const& config);

class VmDevices {
public:
    struct Options {
        bool testdev = false;
        bool rng = false;
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

private:
    VmDevices(DeviceBuses buses, Accelerator& accelerator, Console& console);
    Result<void> add_legacy(MachineControl& machine, EventLoop& loop);
    Result<void> add_testdev(GuestMemory& memory);
    Result<void> add_platform_devices();
    Result<void> add_pci();
    Result<void> add_virtio(std::shared_ptr<virtio::VirtioDevice> device, GuestMemory& memory);
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
    std::unique_ptr<pci::PciBus> pci_;
};

} // namespace vireo
