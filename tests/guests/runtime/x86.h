/* Port I/O, MMIO and control-register access for the test guests. */
#pragma once

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t value) {
    __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}
static inline void outw(uint16_t port, uint16_t value) {
    __asm__ volatile("outw %0, %1" : : "a"(value), "Nd"(port));
}
static inline void outl(uint16_t port, uint32_t value) {
    __asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port));
}
static inline uint8_t inb(uint16_t port) {
    uint8_t value;
    __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}
static inline uint16_t inw(uint16_t port) {
    uint16_t value;
    __asm__ volatile("inw %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}
static inline uint32_t inl(uint16_t port) {
    uint32_t value;
    __asm__ volatile("inl %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

static inline uint8_t mmio_read8(uintptr_t address) {
    return *(volatile uint8_t*)address;
}
static inline void mmio_write8(uintptr_t address, uint8_t value) {
    *(volatile uint8_t*)address = value;
}
static inline uint16_t mmio_read16(uintptr_t address) {
    return *(volatile uint16_t*)address;
}
static inline void mmio_write16(uintptr_t address, uint16_t value) {
    *(volatile uint16_t*)address = value;
}
static inline uint32_t mmio_read32(uintptr_t address) {
    return *(volatile uint32_t*)address;
}
static inline void mmio_write32(uintptr_t address, uint32_t value) {
    *(volatile uint32_t*)address = value;
}

static inline void cli(void) {
    __asm__ volatile("cli" ::: "memory");
}
/* STI delays interrupts by one instruction (Intel SDM Vol. 2B STI), so an interrupt that is
 * already pending wakes the HLT instead of being taken before it and lost. */
static inline void sti_hlt(void) {
    __asm__ volatile("sti; hlt" ::: "memory");
}
static inline void cpu_relax(void) {
    __asm__ volatile("pause" ::: "memory");
}

/* Stops this CPU for good: with interrupts disabled only NMI, INIT or SMI leave HLT. */
static inline __attribute__((noreturn)) void halt_forever(void) {
    for (;;) {
        __asm__ volatile("cli; hlt");
    }
}
