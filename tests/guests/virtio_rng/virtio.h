/* virtio_rng: a small driver for vireo's virtio-rng over the modern virtio-pci transport
 * (virtio 1.2 4.1), one split virtqueue (virtio 1.2 2.7) and an MSI-X vector or INTx. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "../runtime/pci.h"

/* virtio 1.2 4.1.2: vendor 0x1AF4, device 0x1040 + device type; entropy is type 4
 * (virtio 1.2 5, Device Types). */
#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_DEVICE_RNG (0x1040 + 4)

/* virtio 1.2 5.4.2: the entropy device's only queue, requestq, is queue 0. */
#define RNG_REQUEST_QUEUE 0

/* Device status bits (virtio 1.2 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED 128
/* VIRTIO_F_VERSION_1 is feature bit 32 (virtio 1.2 6): bit 0 of feature word 1.
 * VIRTIO_F_EVENT_IDX is bit 29, in word 0 (virtio 1.2 6, 2.7.7.1). */
#define VIRTIO_F_VERSION_1_WORD 1
#define VIRTIO_F_VERSION_1_BIT (1u << 0)
#define VIRTIO_F_EVENT_IDX_BIT (1u << 29)
/* virtio 1.2 4.1.4.5: the ISR's queue and configuration change bits. */
#define VIRTIO_ISR_QUEUE 1
#define VIRTIO_ISR_CONFIG 2
/* virtio 1.2 4.1.5.1.2: "no MSI-X vector". */
#define VIRTIO_MSI_NO_VECTOR 0xffff

/* Where the driver reaches the device's structures, found through the vendor capabilities
 * (virtio 1.2 4.1.4); 0 for a structure the device does not have. */
struct virtio_pci {
    struct pci_function function;
    uint32_t common;
    uint32_t notify;
    uint32_t notify_multiplier;
    uint32_t isr;
    uint32_t device_config;
    uint32_t notify_address; /* queue 0's doorbell, set by virtio_setup_queue */
};

/* A split virtqueue of QUEUE_SIZE entries in the guest's own memory (virtio 1.2 2.7). */
#define QUEUE_SIZE 8

struct virtq_desc {
    uint64_t address;
    uint32_t length;
    uint16_t flags;
    uint16_t next;
};
struct virtq_avail {
    uint16_t flags;
    uint16_t index;
    uint16_t ring[QUEUE_SIZE];
    uint16_t used_event;
};
struct virtq_used_element {
    uint32_t id;
    uint32_t length;
};
struct virtq_used {
    uint16_t flags;
    uint16_t index;
    struct virtq_used_element ring[QUEUE_SIZE];
    uint16_t avail_event;
};
/* virtio 1.2 2.7 (virtqueue part alignment): the descriptor table on 16 bytes, the
 * available ring on 2, the used ring on 4. */
struct virtqueue {
    struct virtq_desc desc[QUEUE_SIZE] __attribute__((aligned(16)));
    struct virtq_avail avail __attribute__((aligned(2)));
    struct virtq_used used __attribute__((aligned(4)));
    uint16_t last_used;
};

/* transport.c */
/* The BAR that holds the common configuration structure, or -1 without one. */
int virtio_common_bar(struct pci_function f);
/* Walks the vendor capabilities; false without common, notify and ISR structures. */
bool virtio_map(struct virtio_pci* device);
bool virtio_reset(struct virtio_pci const* device);
/* Negotiates VIRTIO_F_VERSION_1 and the bits of feature word 0 in `word0`. */
bool virtio_negotiate(struct virtio_pci const* device, uint32_t word0);
bool virtio_setup_queue(struct virtio_pci* device, struct virtqueue const* queue,
                        uint16_t msix_vector);
/* Maps configuration change notifications to an MSI-X table entry (virtio 1.2 4.1.5.1.2). */
bool virtio_set_config_vector(struct virtio_pci const* device, uint16_t msix_vector);
bool virtio_driver_ok(struct virtio_pci const* device);
uint8_t virtio_status(struct virtio_pci const* device);
void virtio_notify(struct virtio_pci const* device);

/* queue.c */
void virtqueue_init(struct virtqueue* queue);
/* Makes the buffer at guest-physical `address` available as one device-writable
 * descriptor; returns the descriptor's index. */
uint16_t virtqueue_post(struct virtqueue* queue, uint64_t address, uint32_t length);
/* With VIRTIO_F_EVENT_IDX: interrupt me once the used index moves past `index` (virtio
 * 1.2 2.7.10). */
void virtqueue_set_used_event(struct virtqueue* queue, uint16_t index);
/* Whether the device returned a buffer not yet taken; if so, takes it. */
bool virtqueue_take_used(struct virtqueue* queue, struct virtq_used_element* element);

/* intx.c: routes the function's INTx pin to `vector` through the IOAPIC. */
bool intx_route(struct virtio_pci const* device, uint8_t vector);

/* msix.c: routes MSI-X table entry `entry` to `vector` on this CPU's local APIC and
 * enables MSI-X. */
bool msix_route(struct virtio_pci const* device, uint16_t entry, uint8_t vector);
/* Sets or clears the entry's mask bit; false when it does not read back so. */
bool msix_mask(struct virtio_pci const* device, uint16_t entry, bool masked);
/* The entry's bit in the Pending Bit Array. */
bool msix_pending(struct virtio_pci const* device, uint16_t entry);
