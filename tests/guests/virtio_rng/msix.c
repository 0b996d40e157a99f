/* MSI-X (PCI Local Bus 3.0 6.8.2): table entries programmed with a message that the local
 * APIC of this CPU receives as a fixed, edge-triggered interrupt, their mask bits, and the
 * Pending Bit Array where a masked entry's message waits. */
#include "../runtime/runtime.h"
#include "../runtime/x86.h"
#include "virtio.h"

/* PCI Local Bus 3.0 6.8.2.3: Message Control, bits 10:0 the table size minus one, bit 14
 * Function Mask, bit 15 MSI-X Enable. 6.8.2.4 and 6.8.2.5: the Table and PBA Offset/BIR
 * dwords, the BAR index in bits 2:0. */
#define MSIX_CONTROL 2
#define MSIX_TABLE 4
#define MSIX_PBA 8
#define MSIX_CONTROL_TABLE_SIZE_MASK 0x7ffu
#define MSIX_CONTROL_FUNCTION_MASK (1u << 14)
#define MSIX_CONTROL_ENABLE (1u << 15)
#define MSIX_BIR_MASK 0x7u
/* PCI Local Bus 3.0 6.8.2.6-6.8.2.9: a 16-byte entry, Vector Control bit 0 masks it. */
#define MSIX_ENTRY_SIZE 16
#define MSIX_ENTRY_ADDRESS_LOW 0
#define MSIX_ENTRY_ADDRESS_HIGH 4
#define MSIX_ENTRY_DATA 8
#define MSIX_ENTRY_VECTOR_CONTROL 12
#define MSIX_ENTRY_MASKED 1u
/* PCI Local Bus 3.0 6.8.2.10: one pending bit per entry, read here as dwords. */
#define MSIX_PBA_BITS_PER_DWORD 32

/* Intel SDM Vol. 3A 11.11.1: the message address is 0xFEExxxxx with the destination APIC
 * ID in bits 19:12; RH = DM = 0 is physical destination mode. 11.11.2: the data's vector
 * in bits 7:0, delivery mode 000 (fixed) and trigger mode 0 (edge) are zero fields. */
#define MSI_ADDRESS_BASE 0xfee00000u
#define MSI_DESTINATION_SHIFT 12

struct msix {
    uint8_t cap;
    uint16_t control;
    uint32_t entry;   /* the address of the table entry */
    uint32_t pending; /* the address of the PBA dword that holds the entry's bit */
    uint32_t pending_bit;
};

static uint32_t structure_address(struct pci_function f, uint8_t offset_bir) {
    uint32_t const value = pci_read32(f, offset_bir);
    uint32_t const bar = pci_memory_bar(f, value & MSIX_BIR_MASK);
    return bar == 0 ? 0 : bar + (value & ~MSIX_BIR_MASK);
}

static bool locate(struct virtio_pci const* device, uint16_t entry, struct msix* msix) {
    struct pci_function const f = device->function;
    msix->cap = pci_next_capability(f, PCI_CAP_MSIX, 0);
    if (msix->cap == 0) {
        print("msix: no MSI-X capability\n");
        return false;
    }
    msix->control = pci_read16(f, (uint8_t)(msix->cap + MSIX_CONTROL));
    uint32_t const table = structure_address(f, (uint8_t)(msix->cap + MSIX_TABLE));
    uint32_t const pba = structure_address(f, (uint8_t)(msix->cap + MSIX_PBA));
    if (entry > (msix->control & MSIX_CONTROL_TABLE_SIZE_MASK) || table == 0 || pba == 0) {
        print("msix: no entry %u in a table of %u at 0x%08x, PBA at 0x%08x\n", entry,
              (msix->control & MSIX_CONTROL_TABLE_SIZE_MASK) + 1, table, pba);
        return false;
    }
    msix->entry = table + entry * MSIX_ENTRY_SIZE;
    msix->pending = pba + entry / MSIX_PBA_BITS_PER_DWORD * 4;
    msix->pending_bit = 1u << (entry % MSIX_PBA_BITS_PER_DWORD);
    return true;
}

bool msix_route(struct virtio_pci const* device, uint16_t entry, uint8_t vector) {
    struct msix msix;
    if (!locate(device, entry, &msix)) {
        return false;
    }
    /* Entries are masked after reset (6.8.2.9): write the message, then unmask. */
    mmio_write32(msix.entry + MSIX_ENTRY_ADDRESS_LOW,
                 MSI_ADDRESS_BASE | lapic_id() << MSI_DESTINATION_SHIFT);
    mmio_write32(msix.entry + MSIX_ENTRY_ADDRESS_HIGH, 0);
    mmio_write32(msix.entry + MSIX_ENTRY_DATA, vector);
    pci_write16(device->function, (uint8_t)(msix.cap + MSIX_CONTROL),
                (uint16_t)((msix.control | MSIX_CONTROL_ENABLE) & ~MSIX_CONTROL_FUNCTION_MASK));
    mmio_write32(msix.entry + MSIX_ENTRY_VECTOR_CONTROL, 0);
    return (mmio_read32(msix.entry + MSIX_ENTRY_VECTOR_CONTROL) & MSIX_ENTRY_MASKED) == 0 &&
           mmio_read32(msix.entry + MSIX_ENTRY_DATA) == vector;
}

bool msix_mask(struct virtio_pci const* device, uint16_t entry, bool masked) {
    struct msix msix;
    if (!locate(device, entry, &msix)) {
        return false;
    }
    mmio_write32(msix.entry + MSIX_ENTRY_VECTOR_CONTROL, masked ? MSIX_ENTRY_MASKED : 0);
    return (mmio_read32(msix.entry + MSIX_ENTRY_VECTOR_CONTROL) & MSIX_ENTRY_MASKED) ==
           (masked ? MSIX_ENTRY_MASKED : 0);
}

bool msix_pending(struct virtio_pci const* device, uint16_t entry) {
    struct msix msix;
    return locate(device, entry, &msix) && (mmio_read32(msix.pending) & msix.pending_bit);
}
