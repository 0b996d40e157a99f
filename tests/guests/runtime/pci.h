/* PCI configuration space through configuration mechanism #1 (ports 0xCF8/0xCFC) on bus 0:
 * finding a function, walking its capability list and placing a memory BAR as firmware
 * would. Register offsets are those of the type 0 header (PCI Local Bus 3.0 6.1). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Type 0 header (PCI Local Bus 3.0 6.1, Figure 6-1). */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_CAPABILITIES_POINTER 0x34

/* Command and status bits (PCI Local Bus 3.0 6.2.2, 6.2.3). */
#define PCI_COMMAND_MEMORY (1u << 1)
#define PCI_COMMAND_BUS_MASTER (1u << 2)
#define PCI_COMMAND_INTX_DISABLE (1u << 10)
#define PCI_STATUS_CAPABILITIES (1u << 4)

/* Capability IDs (PCI Code and ID Assignment Specification 1.11, chapter 2). */
#define PCI_CAP_VENDOR 0x09
#define PCI_CAP_MSIX 0x11

/* A function on bus 0. */
struct pci_function {
    uint8_t device;
    uint8_t function;
};

uint32_t pci_read32(struct pci_function f, uint8_t offset);
uint16_t pci_read16(struct pci_function f, uint8_t offset);
uint8_t pci_read8(struct pci_function f, uint8_t offset);
void pci_write32(struct pci_function f, uint8_t offset, uint32_t value);
void pci_write16(struct pci_function f, uint8_t offset, uint16_t value);

/* Scans bus 0 (every function of multi-function devices) for vendor:device. */
bool pci_find(uint16_t vendor, uint16_t device, struct pci_function* found);

/* The offset of the next capability with `id` after the one at `after` (0: from the
 * start of the list), or 0 when there is none. The walk is bounded, so a looping list ends. */
uint8_t pci_next_capability(struct pci_function f, uint8_t id, uint8_t after);

/* The address of memory BAR `bar` (64-bit BARs take two slots), or 0 when it is not a
 * memory BAR, is unassigned or lies above 4 GiB. */
uint32_t pci_memory_bar(struct pci_function f, unsigned bar);
/* Sizes memory BAR `bar` and places it at `address` with decoding off, as firmware does;
 * returns its size, or 0 when `address` is not aligned to it or the BAR is not memory. */
uint32_t pci_place_memory_bar(struct pci_function f, unsigned bar, uint32_t address);
