/* The virtio_rng guest's own parts: setup.c finds and starts the device, main.c makes the
 * requests and counts the interrupts. */
#pragma once

#include <stdbool.h>

#include "virtio.h"

/* How requestq interrupts: an MSI-X message (the default) or INTA# through the IOAPIC
 * (intx=1 on the command line). */
enum interrupt_mode { INTERRUPTS_MSIX, INTERRUPTS_INTX };

#define QUEUE_INTERRUPT_VECTOR 0x50
#define CONFIG_INTERRUPT_VECTOR 0x51
/* Entry 0 for configuration changes and 1 for requestq, as Linux's virtio_pci uses them. */
#define CONFIG_MSIX_ENTRY 0
#define QUEUE_MSIX_ENTRY 1

/* A step the rest depends on: on failure, end with the checks so far. */
void require(bool ok, char const* what);

/* Finds virtio-rng on bus 0, sets up its BAR, locates its structures and routes its
 * interrupts to this CPU. */
void find_device(struct virtio_pci* device, enum interrupt_mode mode);
/* What the guest exercises, from its command line. */
struct options {
    enum interrupt_mode interrupts;
    bool event_idx;  /* event_idx=1: negotiate VIRTIO_F_EVENT_IDX */
    bool bad_buffer; /* bad_buffer=1: offer a buffer outside guest RAM */
};

/* Resets the device and brings it to DRIVER_OK with requestq on `queue`, emptied. */
void start_device(struct virtio_pci* device, struct virtqueue* queue,
                  struct options const* options);
