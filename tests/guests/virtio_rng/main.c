/* virtio_rng: drives vireo's virtio-rng (vireo run --rng) end to end as a driver would. It
 * finds the function on PCI bus 0, starts the device with requestq and routes its
 * interrupts to this CPU (MSI-X, or INTx with intx=1), then makes two requests: the first
 * is found by polling the used ring, the second by sleeping in HLT until the interrupt; with
 * MSI-X a third has its entry masked, so that its message waits in the Pending Bit Array.
 * With bad_buffer=1 it offers a buffer outside guest RAM between them, which the device
 * must refuse with DEVICE_NEEDS_RESET, and restarts the device. With event_idx=1 it
 * negotiates VIRTIO_F_EVENT_IDX and adds a fourth request that used_event keeps quiet and
 * a fifth that interrupts again. */
#include "../runtime/runtime.h"
#include "../runtime/x86.h"
#include "guest.h"

#define REQUEST_BYTES 32
#define TIMEOUT_MS 2000
/* The ACPI PM timer (ACPI 6.5 4.8.3.3): 24 bits at 3.579545 MHz. */
#define ACPI_PM_TICKS_PER_MS 3580u
#define ACPI_PM_TIMER_MASK 0xffffffu
/* Ring reads between two looks at the PM timer, whose reads are port I/O exits. */
#define POLL_SPINS 1000
/* How often a CPU waiting in HLT wakes to look at the clock. */
#define WAKE_UP_MS 20
/* How long to watch for an interrupt that must not come. */
#define QUIET_MS 20
/* A guest-physical address far above the RAM of any guest vireo builds. */
#define OUTSIDE_RAM_ADDRESS (1ull << 40)

enum wait { WAIT_POLLING, WAIT_INTERRUPT };

static struct virtqueue queue __attribute__((aligned(4096)));
static uint8_t buffers[5][REQUEST_BYTES];
static struct options options;
static uint32_t isr_address;
static uint32_t volatile queue_interrupts;
static uint32_t volatile config_interrupts;
/* INTx interrupts whose ISR read showed neither bit. */
static uint32_t volatile unclaimed_interrupts;

/* virtio 1.2 4.1.4.5: with INTx, reading the ISR tells what the device signalled, clears it
 * and deasserts the line, which must happen before the EOI of a level-triggered interrupt,
 * or the IOAPIC delivers it again. */
static void on_queue_interrupt(struct interrupt_frame* frame) {
    (void)frame;
    uint8_t const isr =
        options.interrupts == INTERRUPTS_INTX ? mmio_read8(isr_address) : VIRTIO_ISR_QUEUE;
    if (isr & VIRTIO_ISR_QUEUE) {
        ++queue_interrupts;
    }
    if (isr & VIRTIO_ISR_CONFIG) {
        ++config_interrupts;
    }
    if (!(isr & (VIRTIO_ISR_QUEUE | VIRTIO_ISR_CONFIG))) {
        ++unclaimed_interrupts;
        print("intx: an interrupt with an empty ISR, after %u queue interrupts\n",
              queue_interrupts);
    }
    lapic_eoi();
}

static void on_config_interrupt(struct interrupt_frame* frame) {
    (void)frame;
    ++config_interrupts;
    lapic_eoi();
}

/* TIMEOUT_MS by the ACPI PM timer, which wraps every 4.7 s: the elapsed time adds up the
 * steps between looks at it. */
struct deadline {
    uint32_t last;
    uint32_t elapsed;
};

static struct deadline deadline_start(void) {
    return (struct deadline){pm_timer_now(), 0};
}

static bool deadline_passed(struct deadline* deadline) {
    uint32_t const now = pm_timer_now();
    deadline->elapsed += (now - deadline->last) & ACPI_PM_TIMER_MASK;
    deadline->last = now;
    return deadline->elapsed >= TIMEOUT_MS * ACPI_PM_TICKS_PER_MS;
}

/* Spins on the used ring with interrupts off, looking at the clock now and then. */
static bool poll_used(struct virtq_used_element* element) {
    struct deadline deadline = deadline_start();
    while (!deadline_passed(&deadline)) {
        for (int spin = 0; spin < POLL_SPINS; ++spin) {
            if (virtqueue_take_used(&queue, element)) {
                return true;
            }
        }
    }
    return false;
}

/* Sleeps in HLT until *counter reaches target. The runtime's LAPIC-timer watchdog only
 * wakes the CPU now and then; the PM timer says when to give up, because the watchdog's
 * rate, measured once at start-up, is wrong when the host preempted the vCPU then. */
static bool wait_for_interrupts(uint32_t volatile const* counter, uint32_t target) {
    struct deadline deadline = deadline_start();
    while (!deadline_passed(&deadline)) {
        if (wait_for_count(counter, target, WAKE_UP_MS)) {
            return true;
        }
    }
    return *counter >= target;
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

/* Waits for the buffer to come back, then for its interrupt, which has been waiting in
 * the local APIC since (STI lets it in). */
static void wait_polling(struct virtq_used_element* element, uint32_t interrupts) {
    require(poll_used(element), "polled: the used ring moved");
    check(wait_for_interrupts(&queue_interrupts, interrupts + 1),
          "polled: the queue interrupt came too");
}

static void wait_interrupt(struct virtq_used_element* element, uint32_t interrupts) {
    require(wait_for_interrupts(&queue_interrupts, interrupts + 1),
            "by interrupt: the queue interrupt woke HLT");
    require(virtqueue_take_used(&queue, element), "by interrupt: the used ring moved before it");
}

/* virtio 1.2 5.4.6.1: the device may fill less than the whole buffer, but never more; vireo
 * fills it. The used element names the head descriptor of the chain (2.7.8). */
static void check_returned(unsigned number, uint16_t head, struct virtq_used_element element) {
    uint8_t const* buffer = buffers[number - 1];
    print_bytes(number, buffer, element.length);
    check(element.id == head, "used ring: the element names the posted descriptor");
    check(element.length == REQUEST_BYTES, "used ring: the device filled the whole buffer");
    check(!all_zero(buffer), "entropy: the bytes are not all zero");
}

/* With VIRTIO_F_EVENT_IDX, used_event is the used index before this buffer: interrupt for
 * it (virtio 1.2 2.7.10). */
static uint16_t post(struct virtio_pci const* device, unsigned number) {
    if (options.event_idx) {
        virtqueue_set_used_event(&queue, queue.last_used);
    }
    uint16_t const head =
        virtqueue_post(&queue, (uint32_t)(uintptr_t)buffers[number - 1], REQUEST_BYTES);
    virtio_notify(device);
    return head;
}

static void request(struct virtio_pci const* device, unsigned number, enum wait how) {
    uint32_t const interrupts = queue_interrupts;
    uint16_t const head = post(device, number);
    struct virtq_used_element element;
    if (how == WAIT_POLLING) {
        wait_polling(&element, interrupts);
    } else {
        wait_interrupt(&element, interrupts);
    }
    check_returned(number, head, element);
}

/* The device signals after it moved the used ring, so the bit may come a little later. */
static bool wait_pending(struct virtio_pci const* device) {
    struct deadline deadline = deadline_start();
    while (!msix_pending(device, QUEUE_MSIX_ENTRY)) {
        if (deadline_passed(&deadline)) {
            return false;
        }
    }
    return true;
}

/* PCI Local Bus 3.0 6.8.3.4: while its entry is masked a vector's message waits as a
 * pending bit, and unmasking the entry sends it and clears the bit. */
static void request_masked(struct virtio_pci const* device, unsigned number) {
    uint32_t const interrupts = queue_interrupts;
    require(msix_mask(device, QUEUE_MSIX_ENTRY, true), "masked: the queue's entry masks");
    uint16_t const head = post(device, number);
    struct virtq_used_element element;
    require(poll_used(&element), "masked: the used ring moved");
    check(wait_pending(device), "masked: the message waits in the Pending Bit Array");
    wait_for_count(&queue_interrupts, interrupts + 1, QUIET_MS);
    check(queue_interrupts == interrupts, "masked: no interrupt while the entry is masked");
    require(msix_mask(device, QUEUE_MSIX_ENTRY, false), "masked: the queue's entry unmasks");
    check(wait_for_interrupts(&queue_interrupts, interrupts + 1),
          "masked: unmasking sends the pending message");
    check(!msix_pending(device, QUEUE_MSIX_ENTRY), "masked: the pending bit is clear again");
    check_returned(number, head, element);
}

/* virtio 1.2 2.1.2: a device that meets an error it cannot recover from sets
 * DEVICE_NEEDS_RESET and sends a configuration change notification. A buffer outside guest
 * RAM is such an error; the device must survive it and work again once reset. */
static void broken_request(struct virtio_pci* device) {
    uint32_t const interrupts = config_interrupts;
    uint16_t const used = queue.used.index;
    virtqueue_post(&queue, OUTSIDE_RAM_ADDRESS, REQUEST_BYTES);
    virtio_notify(device);
    require(wait_for_interrupts(&config_interrupts, interrupts + 1),
            "bad buffer: a configuration change interrupt came");
    check(virtio_status(device) & VIRTIO_STATUS_NEEDS_RESET,
          "bad buffer: the device sets DEVICE_NEEDS_RESET");
    check(queue.used.index == used, "bad buffer: nothing comes back in the used ring");
    start_device(device, &queue, &options);
}

/* virtio 1.2 2.7.10: with VIRTIO_F_EVENT_IDX the device interrupts only once the used
 * index moves past used_event; one past the next buffer means none for that buffer. */
static void request_suppressed(struct virtio_pci const* device, unsigned number) {
    uint32_t const interrupts = queue_interrupts;
    virtqueue_set_used_event(&queue, (uint16_t)(queue.last_used + 1));
    uint16_t const head =
        virtqueue_post(&queue, (uint32_t)(uintptr_t)buffers[number - 1], REQUEST_BYTES);
    virtio_notify(device);
    struct virtq_used_element element;
    require(poll_used(&element), "event idx: the used ring moved");
    wait_for_count(&queue_interrupts, interrupts + 1, QUIET_MS);
    check(queue_interrupts == interrupts, "event idx: no interrupt for a buffer before used_event");
    check_returned(number, head, element);
}

static bool option(char const* key) {
    uint32_t value = 0;
    return cmdline_number(key, &value) && value != 0;
}

void guest_main(void) {
    options = (struct options){
        .interrupts = option("intx") ? INTERRUPTS_INTX : INTERRUPTS_MSIX,
        .event_idx = option("event_idx"),
        .bad_buffer = option("bad_buffer"),
    };
    print("virtio_rng: one virtqueue of virtio-rng, polled and by %s\n",
          options.interrupts == INTERRUPTS_INTX ? "INTx" : "MSI-X");
    print("lapic timer: %u counts per ms\n", lapic_timer_counts_per_ms());
    set_interrupt_handler(QUEUE_INTERRUPT_VECTOR, on_queue_interrupt);
    set_interrupt_handler(CONFIG_INTERRUPT_VECTOR, on_config_interrupt);
    struct virtio_pci device = {0};
    find_device(&device, options.interrupts);
    isr_address = device.isr;
    start_device(&device, &queue, &options);
    request(&device, 1, WAIT_POLLING);
    if (options.bad_buffer) {
        broken_request(&device);
    }
    request(&device, 2, WAIT_INTERRUPT);
    check(memcmp(buffers[0], buffers[1], REQUEST_BYTES) != 0,
          "entropy: two requests give different bytes");
    if (options.interrupts == INTERRUPTS_MSIX) {
        request_masked(&device, 3);
    }
    if (options.event_idx) {
        request_suppressed(&device, 4);
        request(&device, 5, WAIT_INTERRUPT);
    }
    check(virtio_reset(&device), "virtio: the device resets after use");
    print("virtio_rng: %u queue interrupts, %u configuration interrupts, %u unclaimed\n",
          queue_interrupts, config_interrupts, unclaimed_interrupts);
    finish_checks("virtio_rng");
}
