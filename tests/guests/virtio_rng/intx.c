/* INTx: the function's INTA# line, which reaches an IOAPIC pin. vireo writes the pin's GSI
 * into the Interrupt Line register (as firmware would from the _PRT), so the guest needs no
 * AML interpreter. */
#include "../runtime/runtime.h"
#include "virtio.h"

/* PCI Local Bus 3.0 6.2.4: Interrupt Line (the routing, written by firmware; 255 on x86
 * means unknown or not connected) and Interrupt Pin (1 = INTA# to 4 = INTD#, 0 = none). */
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d
#define PCI_INTERRUPT_PIN_INTD 4
/* Intel 82093AA IOAPIC data sheet 3.2.4: 24 redirection entries. */
#define IOAPIC_PINS 24

bool intx_route(struct virtio_pci const* device, uint8_t vector) {
    struct pci_function const f = device->function;
    uint8_t const pin = pci_read8(f, PCI_INTERRUPT_PIN);
    uint8_t const gsi = pci_read8(f, PCI_INTERRUPT_LINE);
    print("intx: interrupt pin %u, line (GSI) %u\n", pin, gsi);
    if (pin == 0 || pin > PCI_INTERRUPT_PIN_INTD || gsi >= IOAPIC_PINS) {
        return false;
    }
    pci_write16(f, PCI_COMMAND, (uint16_t)(pci_read16(f, PCI_COMMAND) & ~PCI_COMMAND_INTX_DISABLE));
    ioapic_route_pci(gsi, vector, lapic_id());
    return true;
}
