/* MSI-X (PCI Local Bus 3.0 6.8.2): one table entry programmed with a message that the local
 * APIC of this CPU receives as a fixed, edge-triggered interrupt. */
#include "../runtime/runtime.h"
#include "../runtime/x86.h"
#include "virtio.h"

/* PCI Local Bus 3.0 6.8.2.3: Message Control, bits 10:0 the table size minus one, bit 14
 * Function Mask, bit 15 MSI-X Enable. 6.8.2.4: the Table Offset/Table BIR dword. */
#define MSIX_CONTROL 2
#define MSIX_TABLE 4
#define MSIX_CONTROL_TABLE_SIZE_MASK 0x7ffu
#define MSIX_CONTROL_FUNCTION_MASK (1u << 14)
#define MSIX_CONTROL_ENABLE (1u << 15)
#define MSIX_TABLE_BIR_MASK 0x7u
/* PCI Local Bus 3.0 6.8.2.6-6.8.2.9: a 16-byte entry, Vector Control bit 0 masks it. */
#define MSIX_ENTRY_SIZE 16
#define MSIX_ENTRY_ADDRESS_LOW 0
#define MSIX_ENTRY_ADDRESS_HIGH 4
#define MSIX_ENTRY_DATA 8
#define MSIX_ENTRY_VECTOR_CONTROL 12
#define MSIX_ENTRY_MASKED 1u

/* Intel SDM Vol. 3A 11.11.1: the message address is 0xFEExxxxx with the destination APIC
 * ID in bits 19:12; RH = DM = 0 is physical destination mode. 11.11.2: the data's vector
 * in bits 7:0, delivery mode 000 (fixed) and trigger mode 0 (edge) are zero fields. */
#define MSI_ADDRESS_BASE 0xfee00000u
#define MSI_DESTINATION_SHIFT 12

bool msix_route(struct virtio_pci const* device, uint16_t entry, uint8_t vector) {
    struct pci_function const f = device->function;
    uint8_t const cap = pci_next_capability(f, PCI_CAP_MSIX, 0);
    if (cap == 0) {
        print("virtio-rng: no MSI-X capability\n");
        return false;
    }
    uint16_t const control = pci_read16(f, (uint8_t)(cap + MSIX_CONTROL));
    uint32_t const table = pci_read32(f, (uint8_t)(cap + MSIX_TABLE));
    uint32_t const bar = pci_memory_bar(f, table & MSIX_TABLE_BIR_MASK);
    if (entry > (control & MSIX_CONTROL_TABLE_SIZE_MASK) || bar == 0) {
        print("virtio-rng: MSI-X table of %u entries in BAR %u at 0x%x\n",
              (control & MSIX_CONTROL_TABLE_SIZE_MASK) + 1, table & MSIX_TABLE_BIR_MASK, bar);
        return false;
    }
    uint32_t const at = bar + (table & ~MSIX_TABLE_BIR_MASK) + entry * MSIX_ENTRY_SIZE;
    /* Entries are masked after reset (6.8.2.9): write the message, then unmask. */
    mmio_write32(at + MSIX_ENTRY_ADDRESS_LOW, MSI_ADDRESS_BASE | lapic_id()
                                                                     << MSI_DESTINATION_SHIFT);
    mmio_write32(at + MSIX_ENTRY_ADDRESS_HIGH, 0);
    mmio_write32(at + MSIX_ENTRY_DATA, vector);
    pci_write16(f, (uint8_t)(cap + MSIX_CONTROL),
                (uint16_t)((control | MSIX_CONTROL_ENABLE) & ~MSIX_CONTROL_FUNCTION_MASK));
    mmio_write32(at + MSIX_ENTRY_VECTOR_CONTROL, 0);
    return (mmio_read32(at + MSIX_ENTRY_VECTOR_CONTROL) & MSIX_ENTRY_MASKED) == 0 &&
           mmio_read32(at + MSIX_ENTRY_DATA) == vector;
}
