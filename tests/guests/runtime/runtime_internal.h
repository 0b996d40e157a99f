/* Functions the runtime's files share with each other but not with the guests. */
#pragma once

#include <stdint.h>

#include "runtime.h"

void multiboot_set_info(uint32_t address);
void interrupts_init(void);
void interrupt_dispatch(struct interrupt_frame* frame);
__attribute__((noreturn)) void runtime_start(uint32_t magic, uint32_t info_address);
/* For crash reports from interrupt context, where the interrupted code may hold the console
 * lock: the guest is about to exit, so a torn line is better than a hang. */
void console_break_lock(void);

/* The divider the runtime programs into the APIC timer; its rate is in these units. */
#define LAPIC_TIMER_DIVISOR 16
/* Starts the APIC timer counting down from its maximum, masked. */
void lapic_timer_free_run(void);
void lapic_timer_calibrate(void);

/* The ACPI PM timer's width and rate (ACPI 6.5 4.8.3.3: 24 bits at 3.579545 MHz). */
#define ACPI_PM_TIMER_MASK 0xffffffu
#define ACPI_PM_TICKS_PER_MS 3580u /* 3579.545, rounded */
