/* virtio_rng: drives vireo's virtio-rng (vireo run --rng) end to end as a driver would. It
 * finds the function on PCI bus 0, places the BAR of the virtio structures if it is
 * unassigned (or where bar=ADDRESS on the command line says), initializes the device,
 * routes requestq's MSI-X vector (or with intx=1 its INTx line) to this CPU and makes two
 * requests: the first is found by polling the used ring, the second by sleeping in HLT
 * until the interrupt comes. */
#include "../runtime/runtime.h"
#include "../runtime/x86.h"
#include "virtio.h"

#define REQUEST_BYTES 32
#define QUEUE_INTERRUPT_VECTOR 0x50
/* Entry 0 of the MSI-X table stays free for configuration changes, as Linux uses it. */
#define QUEUE_MSIX_ENTRY 1
#define TIMEOUT_MS 2000
/* The ACPI PM timer (ACPI 6.5 4.8.3.3): 24 bits at 3.579545 MHz. */
#define ACPI_PM_TICKS_PER_MS 3580u
#define ACPI_PM_TIMER_MASK 0xffffffu
/* Ring reads between two looks at the PM timer, whose reads are port I/O exits. */
#define POLL_SPINS 1000
/* Where a BAR that the VMM left unassigned goes: inside vireo's 32-bit PCI window
 * (src/x86/pc_layout.h kPciMmioStart 0xc0000000 to kPciMmioEnd), above what it places. */
#define FIRMWARE_BAR_ADDRESS 0xd0000000u

static struct virtqueue queue __attribute__((aligned(4096)));
static uint8_t buffers[2][REQUEST_BYTES];
static uint32_t volatile queue_interrupts;

/* With intx=1 on the command line requestq interrupts through INTA# and the IOAPIC. */
static bool use_intx;
static uint32_t isr_address;
/* INTx interrupts whose ISR read showed no queue interrupt. */
static uint32_t volatile unclaimed_interrupts;

/* virtio 1.2 4.1.4.5: with INTx, reading the ISR tells whether the device interrupted,
 * clears it and deasserts the line, which must happen before the EOI of a level-triggered
 * interrupt, or the IOAPIC delivers it again. */
static void on_queue_interrupt(struct interrupt_frame* frame) {
    (void)frame;
    if (use_intx && !(mmio_read8(isr_address) & VIRTIO_ISR_QUEUE)) {
        ++unclaimed_interrupts;
        print("intx: an interrupt with no queue bit in the ISR, after %u queue interrupts\n",
              queue_interrupts);
    } else {
        ++queue_interrupts;
    }
    lapic_eoi();
}

/* A step the rest depends on: on failure, end with the checks so far. */
static void require(bool ok, char const* what) {
    if (!check(ok, what)) {
        finish_checks("virtio_rng");
    }
}

/* Takes the BAR of the virtio structures where the VMM put it (vireo: BAR 0), unless the
 * command line or an unassigned BAR says to place it, as firmware would; then turns on
 * memory decoding and bus mastering. */
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

static void initialize(struct virtio_pci* device) {
    require(pci_find(VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEVICE_RNG, &device->function),
            "pci: virtio-rng 1af4:1044 found on bus 0");
    print("pci: virtio-rng at 00:%02x.%u\n", device->function.device, device->function.function);
    require(set_up_bar(device->function),
            "pci: the virtio structures' BAR is a memory BAR below 4 GiB");
    require(virtio_map(device), "virtio: common, notify and ISR structures found");
    print("virtio: common 0x%08x notify 0x%08x (x%u) isr 0x%08x device 0x%08x\n", device->common,
          device->notify, device->notify_multiplier, device->isr, device->device_config);
    require(virtio_reset(device), "virtio: reset reads back status 0");
    require(virtio_negotiate_version_1(device), "virtio: VIRTIO_F_VERSION_1 negotiated");
    isr_address = device->isr;
    set_interrupt_handler(QUEUE_INTERRUPT_VECTOR, on_queue_interrupt);
    if (use_intx) {
        require(intx_route(device, QUEUE_INTERRUPT_VECTOR),
                "intx: the interrupt line routed through the IOAPIC");
    } else {
        require(msix_route(device, QUEUE_MSIX_ENTRY, QUEUE_INTERRUPT_VECTOR),
                "msix: table entry routed to this CPU's local APIC and unmasked");
    }
    virtqueue_init(&queue);
    require(virtio_setup_queue(device, &queue, use_intx ? VIRTIO_MSI_NO_VECTOR : QUEUE_MSIX_ENTRY),
            "virtio: requestq set up with its interrupt vector");
    require(virtio_driver_ok(device), "virtio: DRIVER_OK accepted");
}

static uint32_t pm_ticks_since(uint32_t start) {
    return (pm_timer_now() - start) & ACPI_PM_TIMER_MASK;
}

/* Spins on the used ring with interrupts off, looking at the clock now and then. */
static bool poll_used(struct virtq_used_element* element) {
    uint32_t const start = pm_timer_now();
    while (pm_ticks_since(start) < TIMEOUT_MS * ACPI_PM_TICKS_PER_MS) {
        for (int spin = 0; spin < POLL_SPINS; ++spin) {
            if (virtqueue_take_used(&queue, element)) {
                return true;
            }
        }
    }
    return false;
}

static void print_bytes(unsigned request, uint8_t const* bytes, uint32_t length) {
    char hex[2 * REQUEST_BYTES + 1];
    uint32_t const shown = length < REQUEST_BYTES ? length : REQUEST_BYTES;
    for (uint32_t i = 0; i < shown; ++i) {
        hex[2 * i] = "0123456789abcdef"[bytes[i] >> 4];
        hex[2 * i + 1] = "0123456789abcdef"[bytes[i] & 0xf];
    }
    hex[2 * shown] = '\0';
    print("virtio-rng: request %u: %u bytes %s\n", request, length, hex);
}

static bool all_zero(uint8_t const* bytes) {
    for (int i = 0; i < REQUEST_BYTES; ++i) {
        if (bytes[i] != 0) {
            return false;
        }
    }
    return true;
}

/* virtio 1.2 5.4.6.1: the device may fill less than the whole buffer, but never more; vireo
 * fills it. The used element names the head descriptor of the chain (2.7.8). */
static void check_used(unsigned request, struct virtq_used_element element) {
    print_bytes(request, buffers[request - 1], element.length);
    check(element.id == request - 1, "used ring: the element names the posted descriptor");
    check(element.length == REQUEST_BYTES, "used ring: the device filled the whole buffer");
    check(!all_zero(buffers[request - 1]), "entropy: the bytes are not all zero");
}

static void request_polled(struct virtio_pci const* device) {
    struct virtq_used_element element;
    virtqueue_post(&queue, buffers[0], REQUEST_BYTES);
    virtio_notify(device);
    require(poll_used(&element), "request 1: the used ring moved (polled)");
    check_used(1, element);
    /* Its interrupt has been waiting in the local APIC since; STI lets it in. */
    check(wait_for_count(&queue_interrupts, 1, TIMEOUT_MS), "request 1: its interrupt came too");
}

static void request_by_interrupt(struct virtio_pci const* device) {
    struct virtq_used_element element;
    virtqueue_post(&queue, buffers[1], REQUEST_BYTES);
    virtio_notify(device);
    require(wait_for_count(&queue_interrupts, 2, TIMEOUT_MS), "request 2: the interrupt woke HLT");
    require(virtqueue_take_used(&queue, &element), "request 2: the used ring moved before it");
    check_used(2, element);
    check(memcmp(buffers[0], buffers[1], REQUEST_BYTES) != 0,
          "entropy: two requests give different bytes");
}

void guest_main(void) {
    uint32_t intx = 0;
    use_intx = cmdline_number("intx", &intx) && intx != 0;
    print("virtio_rng: one virtqueue of virtio-rng, polled and by %s\n",
          use_intx ? "INTx" : "MSI-X");
    struct virtio_pci device = {0};
    initialize(&device);
    request_polled(&device);
    request_by_interrupt(&device);
    check(virtio_reset(&device), "virtio: the device resets after use");
    print("virtio_rng: %u queue interrupts, %u unclaimed\n", queue_interrupts,
          unclaimed_interrupts);
    finish_checks("virtio_rng");
}
