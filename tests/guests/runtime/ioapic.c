/* Programming IOAPIC redirection entries. */
#include "runtime.h"
#include "x86.h"

/* Intel 82093AA IOAPIC data sheet 3.0: an index register and a data window, at vireo's
 * kIoApicAddress. */
#define IOAPIC_BASE 0xfec00000u
#define IOAPIC_REGISTER_SELECT 0x00
#define IOAPIC_WINDOW 0x10
/* 82093AA 3.2.4: entry n is the register pair 0x10 + 2n (low) and 0x11 + 2n (high). */
#define IOAPIC_REDIRECTION_TABLE 0x10
#define IOAPIC_ENTRY_ACTIVE_LOW (1u << 13)
#define IOAPIC_ENTRY_LEVEL_TRIGGERED (1u << 15)
#define IOAPIC_ENTRY_MASKED (1u << 16)
#define IOAPIC_ENTRY_DEST_SHIFT 24 /* of the high word: bits 63:56 */

static void ioapic_write(uint32_t index, uint32_t value) {
    mmio_write32(IOAPIC_BASE + IOAPIC_REGISTER_SELECT, index);
    mmio_write32(IOAPIC_BASE + IOAPIC_WINDOW, value);
}

/* Fixed delivery, physical destination (zero fields in 82093AA 3.2.4). */
static void route(uint32_t pin, uint32_t low, uint32_t destination) {
    uint32_t index = IOAPIC_REDIRECTION_TABLE + 2 * pin;
    /* Mask while the entry is half written, so no interrupt goes to a stale destination. */
    ioapic_write(index, IOAPIC_ENTRY_MASKED);
    ioapic_write(index + 1, destination << IOAPIC_ENTRY_DEST_SHIFT);
    ioapic_write(index, low);
}

void ioapic_route(uint32_t pin, uint8_t vector, bool level_triggered, uint32_t destination) {
    route(pin, vector | (level_triggered ? IOAPIC_ENTRY_LEVEL_TRIGGERED : 0), destination);
}

void ioapic_route_pci(uint32_t pin, uint8_t vector, uint32_t destination) {
    route(pin, vector | IOAPIC_ENTRY_LEVEL_TRIGGERED | IOAPIC_ENTRY_ACTIVE_LOW, destination);
}

void ioapic_mask(uint32_t pin) {
    ioapic_write(IOAPIC_REDIRECTION_TABLE + 2 * pin, IOAPIC_ENTRY_MASKED);
}
