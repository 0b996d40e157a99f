/* timer: the local APIC timer (Intel SDM Vol. 3A 11.5.4) in one-shot and periodic mode.
 * The guest sleeps in HLT and counts the interrupts; the ACPI PM timer, against which the
 * runtime measured the APIC timer's rate, says how long the periodic ticks took. */
#include "runtime/runtime.h"
#include "runtime/x86.h"

#define TIMER_VECTOR 0x30
#define PERIODIC_TICKS 5
#define ONE_SHOT_MS 2
#define PERIOD_MS 4
/* The ACPI PM timer (ACPI 6.5 4.8.3.3): 24 bits at 3.579545 MHz, which is 357.95 ticks per
 * 100 us; guests have no 64-bit division. */
#define ACPI_PM_TICKS_PER_100_US 358u
#define ACPI_PM_TIMER_MASK 0xffffffu

static uint32_t volatile ticks;

static void on_tick(struct interrupt_frame* frame) {
    (void)frame;
    ++ticks;
    lapic_eoi();
}

/* Waits in HLT for the timer; nothing else is armed, so a timer that never fires leaves the
 * guest halted and the harness's timeout reports it. */
static void sleep_until_ticks(uint32_t target) {
    cli();
    while (ticks < target) {
        sti_hlt();
        cli();
    }
}

static void test_one_shot(void) {
    lapic_timer_start(TIMER_VECTOR, LAPIC_TIMER_ONE_SHOT,
                      ONE_SHOT_MS * lapic_timer_counts_per_ms());
    sleep_until_ticks(1);
    check(ticks == 1, "one-shot: one interrupt");
    /* Intel SDM Vol. 3A 11.5.4: in one-shot mode the count stays at zero once it expires. */
    check(lapic_timer_current() == 0, "one-shot: current count stays at zero");
    lapic_timer_stop();
}

static void test_periodic(void) {
    uint32_t const period = PERIOD_MS * lapic_timer_counts_per_ms();
    uint32_t const start = ticks;
    uint32_t const pm_start = pm_timer_now();
    lapic_timer_start(TIMER_VECTOR, LAPIC_TIMER_PERIODIC, period);
    sleep_until_ticks(start + PERIODIC_TICKS);
    uint32_t const pm_elapsed = (pm_timer_now() - pm_start) & ACPI_PM_TIMER_MASK;
    uint32_t const current = lapic_timer_current();
    lapic_timer_stop();
    print("periodic: %u ticks of %u ms in %u us by the PM timer\n", ticks - start, PERIOD_MS,
          pm_elapsed * 100u / ACPI_PM_TICKS_PER_100_US);
    check(ticks - start == PERIODIC_TICKS, "periodic: five interrupts");
    /* Intel SDM Vol. 3A 11.5.4: in periodic mode the count reloads from the initial count. */
    check(current != 0 && current <= period, "periodic: the count reloads and keeps running");
}

void guest_main(void) {
    print("timer: local APIC timer checks\n");
    print("lapic timer: %u counts per ms at divide-by-16 (%s)\n", lapic_timer_counts_per_ms(),
          lapic_timer_is_calibrated() ? "measured with the ACPI PM timer" : "assumed");
    set_interrupt_handler(TIMER_VECTOR, on_tick);
    test_one_shot();
    test_periodic();
    finish_checks("timer");
}
