// Building a VM: memory, accelerator, devices, firmware tables, the kernel, and the vCPUs in
// their boot state.
#include "acpi/tables.h"
#include "base/trace.h"
#include "boot/loader.h"
#include "devices/legacy/cmos_rtc.h"
#include "devices/pci/pci_registers.h"
#include "devices/pci/slot_irq.h"
#include "vmm/vm.h"
#include "vmm/vm_devices.h"
#include "x86/pc_layout.h"

namespace vireo {

Result<std::unique_ptr<Vm>> Vm::create(VmConfig const& config,
                                       std::unique_ptr<Accelerator> accelerator, Console& console,
                                       EventLoop& loop, RebootState const& carried) {
    auto memory = TRY(GuestMemory::create(config.memory_bytes));
    TRY(accelerator->map_memory(*memory));
    std::unique_ptr<Vm> vm(new Vm(config, std::move(memory), std::move(accelerator)));
    TRY(vm->build(console, loop, carried));
    return vm;
}

Result<void> Vm::build(Console& console, EventLoop& loop, RebootState const& carried) {
    devices_ = TRY(
        VmDevices::create({config_.testdev, config_.rng, config_.disks, config_.cpus, config_.nets,
                           config_.balloon, config_.console_ports, config_.vsock},
                          {pio_bus_, mmio_bus_}, *accelerator_, *memory_, *this, console, loop));
    if (carried.cmos_nvram)
        devices_->cmos().restore_nvram(*carried.cmos_nvram);
    for (unsigned index = 0; index < config_.cpus; ++index)
        vcpus_.push_back(TRY(accelerator_->create_vcpu(index, *this)));
    TRY(load_guest());
    return {};
}

RebootState Vm::reboot_state() const {
    return {devices_->cmos().nvram()};
}

Result<void> Vm::load_guest() {
    acpi::AcpiConfig acpi_config;
    acpi_config.cpu_count = config_.cpus;
    // The PCI host bridge of vm_devices.cpp: MCFG, its windows and its interrupt routing.
    acpi_config.pci = acpi::PciHostConfig{};
    acpi_config.pci->slot_gsis = pci::slot_gsi_table(pci::kSlotsPerBus);
    auto tables =
        TRY(acpi::build_tables(acpi_config, pc::kAcpiTablesAddress, pc::kAcpiTablesMaxSize));
    TRY(memory_->write(tables.guest_address, tables.bytes));
    VIREO_TRACE(Acpi, "{} bytes of ACPI tables at {:#x}, RSDP at {:#x}", tables.bytes.size(),
                tables.guest_address, tables.rsdp_address);

    boot::BootSpec spec;
    spec.kernel_path = config_.kernel;
    spec.initrd_path = config_.initrd;
    spec.cmdline = config_.cmdline.value_or("");
    spec.acpi_rsdp_address = tables.rsdp_address;
    auto kernel = TRY(boot::load_kernel(*memory_, spec));
    VIREO_TRACE(Boot, "{} loaded, entry {:#x}", boot::kernel_format_name(kernel.format),
                kernel.bsp.rip);
    TRY(vcpus_.front()->set_state(kernel.bsp));
    return {};
}

} // namespace vireo
