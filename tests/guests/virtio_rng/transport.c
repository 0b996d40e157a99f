/* The modern virtio-pci transport from the driver's side: the vendor capabilities that
 * locate the structures (virtio 1.2 4.1.4), and device initialization through the common
 * configuration structure (virtio 1.2 3.1.1, 4.1.5.1). */
#include "../runtime/runtime.h"
#include "../runtime/x86.h"
#include "virtio.h"

/* struct virtio_pci_cap (virtio 1.2 4.1.4): cfg_type, bar, offset and length, after the
 * generic capability ID and next pointer; the notify capability appends
 * notify_off_multiplier (4.1.4.4). */
#define VIRTIO_CAP_CFG_TYPE 3
#define VIRTIO_CAP_BAR 4
#define VIRTIO_CAP_OFFSET 8
#define VIRTIO_CAP_NOTIFY_MULTIPLIER 16
#define VIRTIO_CAP_COMMON 1
#define VIRTIO_CAP_NOTIFY 2
#define VIRTIO_CAP_ISR 3
#define VIRTIO_CAP_DEVICE 4
/* virtio 1.2 4.1.4: BAR indexes 0x0-0x5 are the function's BARs. */
#define VIRTIO_CAP_MAX_BAR 5

/* struct virtio_pci_common_cfg (virtio 1.2 4.1.4.3). */
#define COMMON_DEVICE_FEATURE_SELECT 0x00
#define COMMON_DEVICE_FEATURE 0x04
#define COMMON_DRIVER_FEATURE_SELECT 0x08
#define COMMON_DRIVER_FEATURE 0x0c
#define COMMON_CONFIG_MSIX_VECTOR 0x10
#define COMMON_DEVICE_STATUS 0x14
#define COMMON_QUEUE_SELECT 0x16
#define COMMON_QUEUE_SIZE 0x18
#define COMMON_QUEUE_MSIX_VECTOR 0x1a
#define COMMON_QUEUE_ENABLE 0x1c
#define COMMON_QUEUE_NOTIFY_OFF 0x1e
#define COMMON_QUEUE_DESC 0x20
#define COMMON_QUEUE_DRIVER 0x28
#define COMMON_QUEUE_DEVICE 0x30

/* A bound on the wait for a reset to complete (vireo's completes before the write does). */
#define RESET_MAX_POLLS 100000

int virtio_common_bar(struct pci_function f) {
    for (uint8_t cap = pci_next_capability(f, PCI_CAP_VENDOR, 0); cap != 0;
         cap = pci_next_capability(f, PCI_CAP_VENDOR, cap)) {
        if (pci_read8(f, (uint8_t)(cap + VIRTIO_CAP_CFG_TYPE)) == VIRTIO_CAP_COMMON) {
            uint8_t const bar = pci_read8(f, (uint8_t)(cap + VIRTIO_CAP_BAR));
            return bar <= VIRTIO_CAP_MAX_BAR ? bar : -1;
        }
    }
    return -1;
}

/* The address a capability points at, or 0 when its BAR is not a usable memory BAR. */
static uint32_t structure_address(struct virtio_pci const* device, uint8_t cap) {
    uint8_t const bar = pci_read8(device->function, (uint8_t)(cap + VIRTIO_CAP_BAR));
    if (bar > VIRTIO_CAP_MAX_BAR) {
        return 0; /* virtio 1.2 4.1.4: the driver ignores reserved BAR values */
    }
    uint32_t const base = pci_memory_bar(device->function, bar);
    return base == 0 ? 0 : base + pci_read32(device->function, (uint8_t)(cap + VIRTIO_CAP_OFFSET));
}

/* virtio 1.2 4.1.4: the device may offer a structure more than once; the driver uses the
 * first of each type it can. */
static void take(uint32_t* slot, uint32_t address) {
    if (*slot == 0) {
        *slot = address;
    }
}

bool virtio_map(struct virtio_pci* device) {
    for (uint8_t cap = pci_next_capability(device->function, PCI_CAP_VENDOR, 0); cap != 0;
         cap = pci_next_capability(device->function, PCI_CAP_VENDOR, cap)) {
        uint32_t const address = structure_address(device, cap);
        switch (pci_read8(device->function, (uint8_t)(cap + VIRTIO_CAP_CFG_TYPE))) {
        case VIRTIO_CAP_COMMON:
            take(&device->common, address);
            break;
        case VIRTIO_CAP_NOTIFY:
            if (device->notify == 0 && address != 0) {
                device->notify = address;
                device->notify_multiplier =
                    pci_read32(device->function, (uint8_t)(cap + VIRTIO_CAP_NOTIFY_MULTIPLIER));
            }
            break;
        case VIRTIO_CAP_ISR:
            take(&device->isr, address);
            break;
        case VIRTIO_CAP_DEVICE:
            take(&device->device_config, address);
            break;
        default:
            break; /* the PCI configuration access capability, or one from a later spec */
        }
    }
    return device->common != 0 && device->notify != 0 && device->isr != 0;
}

uint8_t virtio_status(struct virtio_pci const* device) {
    return mmio_read8(device->common + COMMON_DEVICE_STATUS);
}

static void set_status(struct virtio_pci const* device, uint8_t bits) {
    mmio_write8(device->common + COMMON_DEVICE_STATUS, (uint8_t)(virtio_status(device) | bits));
}

/* virtio 1.2 4.1.4.3.2: after writing 0 the driver waits for device_status to read 0. */
bool virtio_reset(struct virtio_pci const* device) {
    mmio_write8(device->common + COMMON_DEVICE_STATUS, 0);
    for (int polls = 0; polls < RESET_MAX_POLLS; ++polls) {
        if (virtio_status(device) == 0) {
            return true;
        }
    }
    return false;
}

static uint32_t device_features(struct virtio_pci const* device, uint32_t word) {
    mmio_write32(device->common + COMMON_DEVICE_FEATURE_SELECT, word);
    return mmio_read32(device->common + COMMON_DEVICE_FEATURE);
}

static void driver_features(struct virtio_pci const* device, uint32_t word, uint32_t bits) {
    mmio_write32(device->common + COMMON_DRIVER_FEATURE_SELECT, word);
    mmio_write32(device->common + COMMON_DRIVER_FEATURE, bits);
}

/* virtio 1.2 3.1.1 steps 2-6: ACKNOWLEDGE, DRIVER, the feature bits (only ones the device
 * offers), FEATURES_OK, and the read-back that tells whether the device accepted them. */
bool virtio_negotiate(struct virtio_pci const* device, uint32_t word0) {
    set_status(device, VIRTIO_STATUS_ACKNOWLEDGE);
    set_status(device, VIRTIO_STATUS_DRIVER);
    if (!(device_features(device, VIRTIO_F_VERSION_1_WORD) & VIRTIO_F_VERSION_1_BIT)) {
        print("virtio-rng: the device does not offer VIRTIO_F_VERSION_1\n");
        return false;
    }
    uint32_t const offered = device_features(device, 0);
    if ((offered & word0) != word0) {
        print("virtio-rng: feature word 0 offers 0x%08x, not all of 0x%08x\n", offered, word0);
        return false;
    }
    driver_features(device, 0, word0);
    driver_features(device, VIRTIO_F_VERSION_1_WORD, VIRTIO_F_VERSION_1_BIT);
    set_status(device, VIRTIO_STATUS_FEATURES_OK);
    return virtio_status(device) & VIRTIO_STATUS_FEATURES_OK;
}

/* A 64-bit field as two 32-bit halves, which virtio 1.2 4.1.3.1 allows. */
static void write_address(uint32_t field, void const* address) {
    mmio_write32(field, (uint32_t)(uintptr_t)address);
    mmio_write32(field + 4, 0);
}

/* virtio 1.2 4.1.5.1.3: select the queue, read its maximum size, write a smaller one if
 * wanted, its vector (read back: NO_VECTOR means the device refused it, 4.1.5.1.2), the
 * ring addresses, then enable it. The doorbell is at notify + queue_notify_off *
 * notify_off_multiplier (4.1.4.4). */
bool virtio_setup_queue(struct virtio_pci* device, struct virtqueue const* queue,
                        uint16_t msix_vector) {
    uint32_t const common = device->common;
    mmio_write16(common + COMMON_QUEUE_SELECT, RNG_REQUEST_QUEUE);
    uint16_t const max_size = mmio_read16(common + COMMON_QUEUE_SIZE);
    if (max_size < QUEUE_SIZE) {
        print("virtio-rng: requestq has %u entries, fewer than %u\n", max_size, QUEUE_SIZE);
        return false;
    }
    mmio_write16(common + COMMON_QUEUE_SIZE, QUEUE_SIZE);
    mmio_write16(common + COMMON_QUEUE_MSIX_VECTOR, msix_vector);
    if (mmio_read16(common + COMMON_QUEUE_MSIX_VECTOR) != msix_vector) {
        print("virtio-rng: the device refused MSI-X vector %u for requestq\n", msix_vector);
        return false;
    }
    write_address(common + COMMON_QUEUE_DESC, queue->desc);
    write_address(common + COMMON_QUEUE_DRIVER, &queue->avail);
    write_address(common + COMMON_QUEUE_DEVICE, &queue->used);
    uint16_t const notify_off = mmio_read16(common + COMMON_QUEUE_NOTIFY_OFF);
    device->notify_address = device->notify + notify_off * device->notify_multiplier;
    mmio_write16(common + COMMON_QUEUE_ENABLE, 1);
    return mmio_read16(common + COMMON_QUEUE_ENABLE) == 1;
}

/* virtio 1.2 4.1.5.1.2: the device answers NO_VECTOR when it cannot map the vector. */
bool virtio_set_config_vector(struct virtio_pci const* device, uint16_t msix_vector) {
    mmio_write16(device->common + COMMON_CONFIG_MSIX_VECTOR, msix_vector);
    return mmio_read16(device->common + COMMON_CONFIG_MSIX_VECTOR) == msix_vector;
}

bool virtio_driver_ok(struct virtio_pci const* device) {
    set_status(device, VIRTIO_STATUS_DRIVER_OK);
    return (virtio_status(device) & (VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_FAILED)) ==
           VIRTIO_STATUS_DRIVER_OK;
}

/* virtio 1.2 4.1.5.2: without VIRTIO_F_NOTIFICATION_DATA the driver writes the 16-bit
 * queue index to the queue's notification address. */
void virtio_notify(struct virtio_pci const* device) {
    mmio_write16(device->notify_address, RNG_REQUEST_QUEUE);
}
