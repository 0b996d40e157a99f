/* Finding virtio-rng on PCI bus 0 and starting it: virtio 1.2 3.1.1 for the driver's
 * initialization sequence, 4.1.5.1 for its virtio-pci specifics. */
#include "../runtime/runtime.h"
#include "guest.h"

/* Where a BAR that the VMM left unassigned goes: inside vireo's 32-bit PCI window
 * (src/x86/pc_layout.h kPciMmioStart 0xc0000000 to kPciMmioEnd), above what it places. */
#define FIRMWARE_BAR_ADDRESS 0xd0000000u

void require(bool ok, char const* what) {
    if (!check(ok, what)) {
        finish_checks("virtio_rng");
    }
}

/* Takes the BAR of the virtio structures where the VMM put it (vireo: BAR 0), unless the
 * command line (bar=ADDRESS) or an unassigned BAR says to place it, as firmware would; then
 * turns on memory decoding and bus mastering. */
static bool set_up_bar(struct pci_function f) {
    int const bar = virtio_common_bar(f);
    if (bar < 0) {
        return false;
    }
    uint32_t address = pci_memory_bar(f, (unsigned)bar);
    uint32_t wanted = 0;
    if (cmdline_number("bar", &wanted) || address == 0) {
        wanted = wanted != 0 ? wanted : FIRMWARE_BAR_ADDRESS;
        uint32_t const size = pci_place_memory_bar(f, (unsigned)bar, wanted);
        print("pci: BAR %d moved from 0x%08x to 0x%08x (%u KiB)\n", bar, address, wanted,
              size / 1024);
        address = pci_memory_bar(f, (unsigned)bar);
        if (size == 0 || address != wanted) {
            return false;
        }
    }
    print("pci: BAR %d at 0x%08x\n", bar, address);
    pci_write16(
        f, PCI_COMMAND,
        (uint16_t)(pci_read16(f, PCI_COMMAND) | PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER));
    return true;
}

static void route_interrupts(struct virtio_pci const* device, enum interrupt_mode mode) {
    if (mode == INTERRUPTS_INTX) {
        require(intx_route(device, QUEUE_INTERRUPT_VECTOR),
                "intx: the interrupt line routed through the IOAPIC");
        return;
    }
    require(msix_route(device, CONFIG_MSIX_ENTRY, CONFIG_INTERRUPT_VECTOR) &&
                msix_route(device, QUEUE_MSIX_ENTRY, QUEUE_INTERRUPT_VECTOR),
            "msix: table entries routed to this CPU's local APIC and unmasked");
}

void find_device(struct virtio_pci* device, enum interrupt_mode mode) {
    require(pci_find(VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEVICE_RNG, &device->function),
            "pci: virtio-rng 1af4:1044 found on bus 0");
    print("pci: virtio-rng at 00:%02x.%u\n", device->function.device, device->function.function);
    require(set_up_bar(device->function),
            "pci: the virtio structures' BAR is a memory BAR below 4 GiB");
    require(virtio_map(device), "virtio: common, notify and ISR structures found");
    print("virtio: common 0x%08x notify 0x%08x (x%u) isr 0x%08x device 0x%08x\n", device->common,
          device->notify, device->notify_multiplier, device->isr, device->device_config);
    route_interrupts(device, mode);
}

/* A reset unmaps both vectors (virtio 1.2 4.1.5.1.2), so they are mapped again each time. */
void start_device(struct virtio_pci* device, struct virtqueue* queue,
                  struct options const* options) {
    bool const msix = options->interrupts == INTERRUPTS_MSIX;
    require(virtio_reset(device), "virtio: reset reads back status 0");
    require(virtio_negotiate(device, options->event_idx ? VIRTIO_F_EVENT_IDX_BIT : 0),
            options->event_idx ? "virtio: VIRTIO_F_VERSION_1 and VIRTIO_F_EVENT_IDX negotiated"
                               : "virtio: VIRTIO_F_VERSION_1 negotiated");
    require(virtio_set_config_vector(device, msix ? CONFIG_MSIX_ENTRY : VIRTIO_MSI_NO_VECTOR),
            "virtio: configuration changes mapped to their vector");
    virtqueue_init(queue);
    require(virtio_setup_queue(device, queue, msix ? QUEUE_MSIX_ENTRY : VIRTIO_MSI_NO_VECTOR),
            "virtio: requestq set up with its interrupt vector");
    require(virtio_driver_ok(device), "virtio: DRIVER_OK accepted");
}
