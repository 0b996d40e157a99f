/* The shared runtime of vireo's freestanding test guests: console, exit paths, interrupts,
 * local APIC and IOAPIC helpers and the multiboot information. A guest implements
 * guest_main(); the runtime's entry code calls it with the machine already set up. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- exit ---------------------------------------------------------------------------- */

/* Values a guest writes to the debug-exit port. The VMM exits with (value << 1) | 1, so a
 * passing guest ends with status 1, a failing one with 3, a crashed one with 255. */
enum guest_exit_value {
    GUEST_EXIT_PASS = 0,
    GUEST_EXIT_FAIL = 1,
    GUEST_EXIT_CRASH = 0x7f, /* unexpected exception or interrupt */
};

__attribute__((noreturn)) void debug_exit(uint32_t value);

/* Records one check: prints "PASS: what" or "FAIL: what" and remembers failures. */
bool check(bool ok, char const* what);
/* Prints the summary line and leaves through debug-exit: PASS if no check failed. */
__attribute__((noreturn)) void finish_checks(char const* guest_name);

/* ---- console (16550 UART at COM1) ------------------------------------------------------ */

void console_init(void);
void console_write(char const* text, size_t length);
/* Waits up to timeout_ms (by the ACPI PM timer) for a received character. */
bool console_read(char* c, uint32_t timeout_ms);
__attribute__((format(printf, 1, 2))) void print(char const* format, ...);

/* ---- strings and memory ------------------------------------------------------------------ */

void* memcpy(void* destination, void const* source, size_t count);
void* memset(void* destination, int value, size_t count);
int memcmp(void const* a, void const* b, size_t count);
size_t strlen(char const* text);

/* ---- multiboot ----------------------------------------------------------------------------- */

struct multiboot_module {
    uint32_t start;
    uint32_t end;
    uint32_t string;
    uint32_t reserved;
};

/* Multiboot 0.6.96 3.3: only the fields the test guests read. */
struct multiboot_info {
    uint32_t flags;
    uint32_t mem_lower; /* KiB below 1 MiB */
    uint32_t mem_upper; /* KiB from 1 MiB to the first hole */
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count;
    uint32_t mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length;
    uint32_t mmap_addr;
};

struct multiboot_mmap_entry {
    uint32_t size; /* of the rest of the entry, without this field */
    uint64_t base;
    uint64_t length;
    uint32_t type;
} __attribute__((packed));

#define MULTIBOOT_INFO_MEMORY (1u << 0)
#define MULTIBOOT_INFO_CMDLINE (1u << 2)
#define MULTIBOOT_INFO_MODULES (1u << 3)
#define MULTIBOOT_INFO_MMAP (1u << 6)
#define MULTIBOOT_MMAP_AVAILABLE 1

struct multiboot_info const* multiboot_info(void);
/* The command line, or "" when the loader passed none. */
char const* multiboot_cmdline(void);
/* The value of "key=" on the command line, if present and a number (decimal or 0x hex). */
bool cmdline_number(char const* key, uint32_t* value);

/* ---- interrupts ---------------------------------------------------------------------------- */

/* The stack layout interrupt_common builds: PUSHA, then the stub's vector and error code,
 * then what the processor pushed (Intel SDM Vol. 3A 6.12.1, no privilege change). */
struct interrupt_frame {
    uint32_t edi, esi, ebp, esp_at_pusha, ebx, edx, ecx, eax;
    uint32_t vector;
    uint32_t error_code;
    uint32_t eip, cs, eflags;
};

typedef void (*interrupt_handler)(struct interrupt_frame* frame);

void idt_load(void);
void set_interrupt_handler(uint8_t vector, interrupt_handler handler);

/* Vectors the runtime reserves; guests use 0x30-0xef for their own. */
#define WATCHDOG_VECTOR 0xf0
#define SPURIOUS_VECTOR 0xff

/* ---- local APIC and IOAPIC ------------------------------------------------------------------ */

void lapic_enable(void);
uint32_t lapic_id(void);
void lapic_eoi(void);
/* Sends an IPI (ICR low word as in Intel SDM Vol. 3A 11.6.1) to one APIC ID; false if the
 * APIC never reported the IPI as sent. */
bool lapic_send_ipi(uint32_t destination, uint32_t command);

enum lapic_timer_mode { LAPIC_TIMER_ONE_SHOT, LAPIC_TIMER_PERIODIC };
void lapic_timer_start(uint8_t vector, enum lapic_timer_mode mode, uint32_t count);
void lapic_timer_stop(void);
uint32_t lapic_timer_current(void);
/* Timer counts per millisecond at the runtime's divider, as measured against the ACPI PM
 * timer at start-up (a 1 GHz input clock where there is no PM timer). */
uint32_t lapic_timer_counts_per_ms(void);
bool lapic_timer_is_calibrated(void);
/* The ACPI PM timer: 24 bits at 3.579545 MHz. */
uint32_t pm_timer_now(void);

/* Waits with HLT until *counter reaches target or timeout_ms pass (measured with the LAPIC
 * timer, which this uses). Returns whether the target was reached. */
bool wait_for_count(uint32_t volatile const* counter, uint32_t target, uint32_t timeout_ms);
/* Sleeps with HLT on the LAPIC timer. */
void delay_us(uint32_t microseconds);

void ioapic_route(uint32_t pin, uint8_t vector, bool level_triggered, uint32_t destination);
/* A PCI interrupt as ACPI's _PRT describes one with a GSI (ACPI 6.5 6.2.13): level-triggered,
 * active low. */
void ioapic_route_pci(uint32_t pin, uint8_t vector, uint32_t destination);
void ioapic_mask(uint32_t pin);

/* ---- ACPI tables ----------------------------------------------------------------------------- */

/* ACPI 6.5 5.2.9 (Table 5.9): FADT fields the guests use. */
#define FADT_FLAGS 112
#define FADT_FLAG_RESET_REG_SUP (1u << 10)
#define FADT_PM1A_CONTROL_BLOCK 64
#define FADT_RESET_REG 116 /* a Generic Address Structure, ACPI 6.5 5.2.3.2 */
#define FADT_RESET_VALUE 128
#define GAS_ADDRESS_SPACE 0
#define GAS_ADDRESS 4
#define GAS_SPACE_SYSTEM_IO 1

/* The FADT's address, or 0 (with a printed reason) when the firmware tables lack it. */
uint32_t acpi_find_fadt(void);
/* SLP_TYPa of \_S5 in the DSDT the FADT names. */
bool acpi_s5_sleep_type(uint32_t fadt, uint32_t* sleep_type);
uint32_t acpi_read32(uint32_t address);

/* ---- entry points --------------------------------------------------------------------------- */

/* Implemented by each guest; returning from it counts as a failure. */
void guest_main(void);
