/* Local APIC access in xAPIC (MMIO) mode, its timer, and waiting with HLT. */
#include "runtime.h"
#include "runtime_internal.h"
#include "x86.h"

/* Intel SDM Vol. 3A 11.4.1: the default local APIC base (vireo's kLocalApicAddress). */
#define LAPIC_BASE 0xfee00000u
/* Register offsets, Intel SDM Vol. 3A Table 11-1. */
#define LAPIC_ID 0x20
#define LAPIC_TPR 0x80
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_ICR_LOW 0x300
#define LAPIC_ICR_HIGH 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3e0

#define LAPIC_ID_SHIFT 24           /* Intel SDM Vol. 3A 11.4.6 */
#define LAPIC_SVR_ENABLE (1u << 8)  /* Intel SDM Vol. 3A 11.9 */
#define LAPIC_LVT_MASKED (1u << 16) /* Intel SDM Vol. 3A 11.5.1 */
#define LAPIC_TIMER_PERIODIC_BIT (1u << 17)
#define LAPIC_ICR_DEST_SHIFT 24 /* Intel SDM Vol. 3A 11.6.1 */
#define LAPIC_ICR_SEND_PENDING (1u << 12)
#define LAPIC_MAX_ICR_POLLS 100000
/* Intel SDM Vol. 3A 11.5.4 (Figure 11-10): 0b0011 divides the input clock by 16 (the
 * LAPIC_TIMER_DIVISOR that clock.c's rate is in). */
#define LAPIC_TIMER_DIVIDE_BY_16 0x3
#define LAPIC_TIMER_MAX_COUNT 0xffffffffu

static uint32_t lapic_read(uint32_t reg) {
    return mmio_read32(LAPIC_BASE + reg);
}
static void lapic_write(uint32_t reg, uint32_t value) {
    mmio_write32(LAPIC_BASE + reg, value);
}

void lapic_enable(void) {
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | SPURIOUS_VECTOR);
    /* A VMM may leave LINT0 in virtual-wire mode for the 8259; all interrupts the guests
     * expect come through the IOAPIC or from the APIC itself. */
    lapic_write(LAPIC_LVT_LINT0, LAPIC_LVT_MASKED);
}

uint32_t lapic_id(void) {
    return lapic_read(LAPIC_ID) >> LAPIC_ID_SHIFT;
}

void lapic_eoi(void) {
    lapic_write(LAPIC_EOI, 0);
}

bool lapic_send_ipi(uint32_t destination, uint32_t command) {
    lapic_write(LAPIC_ICR_HIGH, destination << LAPIC_ICR_DEST_SHIFT);
    lapic_write(LAPIC_ICR_LOW, command);
    for (int polls = 0; polls < LAPIC_MAX_ICR_POLLS; ++polls) {
        if (!(lapic_read(LAPIC_ICR_LOW) & LAPIC_ICR_SEND_PENDING)) {
            return true;
        }
    }
    return false;
}

void lapic_timer_start(uint8_t vector, enum lapic_timer_mode mode, uint32_t count) {
    uint32_t lvt = vector;
    if (mode == LAPIC_TIMER_PERIODIC) {
        lvt |= LAPIC_TIMER_PERIODIC_BIT;
    }
    lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_TIMER_DIVIDE_BY_16);
    lapic_write(LAPIC_LVT_TIMER, lvt);
    /* Intel SDM Vol. 3A 11.5.4: writing the initial count starts the timer. */
    lapic_write(LAPIC_TIMER_INITIAL, count);
}

void lapic_timer_stop(void) {
    lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);
    /* Intel SDM Vol. 3A 11.5.4: an initial count of 0 stops the timer. */
    lapic_write(LAPIC_TIMER_INITIAL, 0);
}

uint32_t lapic_timer_current(void) {
    return lapic_read(LAPIC_TIMER_CURRENT);
}

void lapic_timer_free_run(void) {
    lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_TIMER_DIVIDE_BY_16);
    lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);
    lapic_write(LAPIC_TIMER_INITIAL, LAPIC_TIMER_MAX_COUNT);
}

static uint32_t volatile watchdog_fired;

static void on_watchdog(struct interrupt_frame* frame) {
    (void)frame;
    watchdog_fired = 1;
    lapic_eoi();
}

static void start_watchdog(uint32_t counts) {
    watchdog_fired = 0;
    set_interrupt_handler(WATCHDOG_VECTOR, on_watchdog);
    lapic_timer_start(WATCHDOG_VECTOR, LAPIC_TIMER_ONE_SHOT, counts == 0 ? 1 : counts);
}

bool wait_for_count(uint32_t volatile const* counter, uint32_t target, uint32_t timeout_ms) {
    start_watchdog(timeout_ms * lapic_timer_counts_per_ms());
    cli();
    while (*counter < target && !watchdog_fired) {
        sti_hlt();
        cli();
    }
    lapic_timer_stop();
    return *counter >= target;
}

void delay_us(uint32_t microseconds) {
    uint32_t const per_ms = lapic_timer_counts_per_ms();
    start_watchdog(microseconds / 1000 * per_ms + microseconds % 1000 * per_ms / 1000);
    cli();
    while (!watchdog_fired) {
        sti_hlt();
        cli();
    }
    lapic_timer_stop();
}
