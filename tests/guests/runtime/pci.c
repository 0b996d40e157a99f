/* PCI configuration mechanism #1 (PCI Local Bus 3.0 3.2.2.3.2): a dword address written to
 * CONFIG_ADDRESS selects bus, device, function and register; CONFIG_DATA then reads or
 * writes that dword, or bytes of it at the matching port offset. */
#include "pci.h"

#include "x86.h"

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA 0xcfc
#define PCI_CONFIG_ENABLE (1u << 31)
#define PCI_DEVICE_SHIFT 11
#define PCI_FUNCTION_SHIFT 8
/* PCI Local Bus 3.0 3.2.2.3.1: 32 devices per bus, 8 functions per device. */
#define PCI_DEVICES_PER_BUS 32
#define PCI_FUNCTIONS_PER_DEVICE 8
/* PCI Local Bus 3.0 6.2.1: bit 7 of the header type marks a multi-function device. */
#define PCI_HEADER_MULTI_FUNCTION 0x80
/* PCI Local Bus 3.0 6.1: an absent function reads 0xFFFF as its vendor ID. */
#define PCI_VENDOR_ABSENT 0xffff
/* PCI Local Bus 3.0 6.7: capabilities are dword aligned, after the 64-byte header, so a
 * list has at most 48 entries; the pointer's low two bits are reserved. */
#define PCI_CAP_MAX_ENTRIES 48
#define PCI_CAP_POINTER_MASK 0xfc
#define PCI_CAP_NEXT 1
/* PCI Local Bus 3.0 6.2.5.1: memory BAR bit 0 is 0, bits 2:1 give the type (2: 64-bit),
 * bits 3:0 are not address bits. */
#define PCI_BAR_IO 1u
#define PCI_BAR_TYPE_MASK 0x6u
#define PCI_BAR_TYPE_64 0x4u
#define PCI_BAR_FLAGS_MASK 0xfu
#define PCI_BAR_SIZING 0xffffffffu

static void select_register(struct pci_function f, uint8_t offset) {
    outl(PCI_CONFIG_ADDRESS, PCI_CONFIG_ENABLE | (uint32_t)f.device << PCI_DEVICE_SHIFT |
                                 (uint32_t)f.function << PCI_FUNCTION_SHIFT | (offset & 0xfcu));
}

uint32_t pci_read32(struct pci_function f, uint8_t offset) {
    select_register(f, offset);
    return inl(PCI_CONFIG_DATA);
}

uint16_t pci_read16(struct pci_function f, uint8_t offset) {
    select_register(f, offset);
    return inw((uint16_t)(PCI_CONFIG_DATA + (offset & 2u)));
}

uint8_t pci_read8(struct pci_function f, uint8_t offset) {
    select_register(f, offset);
    return inb((uint16_t)(PCI_CONFIG_DATA + (offset & 3u)));
}

void pci_write32(struct pci_function f, uint8_t offset, uint32_t value) {
    select_register(f, offset);
    outl(PCI_CONFIG_DATA, value);
}

void pci_write16(struct pci_function f, uint8_t offset, uint16_t value) {
    select_register(f, offset);
    outw((uint16_t)(PCI_CONFIG_DATA + (offset & 2u)), value);
}

static bool matches(struct pci_function f, uint16_t vendor, uint16_t device) {
    return pci_read16(f, PCI_VENDOR_ID) == vendor && pci_read16(f, PCI_DEVICE_ID) == device;
}

bool pci_find(uint16_t vendor, uint16_t device, struct pci_function* found) {
    for (uint8_t slot = 0; slot < PCI_DEVICES_PER_BUS; ++slot) {
        struct pci_function f = {slot, 0};
        if (pci_read16(f, PCI_VENDOR_ID) == PCI_VENDOR_ABSENT) {
            continue;
        }
        bool const multi = pci_read8(f, PCI_HEADER_TYPE) & PCI_HEADER_MULTI_FUNCTION;
        uint8_t const functions = multi ? PCI_FUNCTIONS_PER_DEVICE : 1;
        for (f.function = 0; f.function < functions; ++f.function) {
            if (matches(f, vendor, device)) {
                *found = f;
                return true;
            }
        }
    }
    return false;
}

uint8_t pci_next_capability(struct pci_function f, uint8_t id, uint8_t after) {
    if (!(pci_read16(f, PCI_STATUS) & PCI_STATUS_CAPABILITIES)) {
        return 0;
    }
    uint8_t at = after == 0 ? pci_read8(f, PCI_CAPABILITIES_POINTER)
                            : pci_read8(f, (uint8_t)(after + PCI_CAP_NEXT));
    for (int entries = 0; entries < PCI_CAP_MAX_ENTRIES && at != 0; ++entries) {
        at &= PCI_CAP_POINTER_MASK;
        if (pci_read8(f, at) == id) {
            return at;
        }
        at = pci_read8(f, (uint8_t)(at + PCI_CAP_NEXT));
    }
    return 0;
}

static uint8_t bar_offset(unsigned bar) {
    return (uint8_t)(PCI_BAR0 + 4 * bar);
}

uint32_t pci_memory_bar(struct pci_function f, unsigned bar) {
    uint32_t const low = pci_read32(f, bar_offset(bar));
    if (low & PCI_BAR_IO) {
        return 0;
    }
    if ((low & PCI_BAR_TYPE_MASK) == PCI_BAR_TYPE_64 && pci_read32(f, bar_offset(bar + 1)) != 0) {
        return 0;
    }
    return low & ~PCI_BAR_FLAGS_MASK;
}

uint32_t pci_place_memory_bar(struct pci_function f, unsigned bar, uint32_t address) {
    uint32_t const original = pci_read32(f, bar_offset(bar));
    if (original & PCI_BAR_IO) {
        return 0;
    }
    bool const wide = (original & PCI_BAR_TYPE_MASK) == PCI_BAR_TYPE_64;
    uint16_t const command = pci_read16(f, PCI_COMMAND);
    /* PCI Local Bus 3.0 6.2.5.1: decoding off while sizing, so no half-written address is
     * ever decoded; all ones written, the read-only zero bits give the size. */
    pci_write16(f, PCI_COMMAND, (uint16_t)(command & ~PCI_COMMAND_MEMORY));
    pci_write32(f, bar_offset(bar), PCI_BAR_SIZING);
    uint32_t const size = ~(pci_read32(f, bar_offset(bar)) & ~PCI_BAR_FLAGS_MASK) + 1;
    bool const fits = size != 0 && address % size == 0;
    pci_write32(f, bar_offset(bar), fits ? address : original);
    if (wide && fits) {
        pci_write32(f, bar_offset(bar + 1), 0);
    }
    pci_write16(f, PCI_COMMAND, command);
    return fits ? size : 0;
}
