/* Time for the guests: the ACPI PM timer, and the local APIC timer's rate measured with it.
 * The APIC timer's input clock is the platform's choice (Intel SDM Vol. 3A 11.5.4: the bus
 * clock, or the core crystal clock of CPUID leaf 15H): KVM and QEMU count at 1 GHz, vireo's
 * emulator at 25 MHz. */
#include "runtime.h"
#include "runtime_internal.h"
#include "x86.h"

/* vireo's pc_layout.h kAcpiPmTimer (and QEMU's with SeaBIOS): a 24-bit counter at
 * 3.579545 MHz (ACPI 6.5 4.8.3.3). */
#define ACPI_PM_TIMER_PORT 0x608
#define CALIBRATION_PM_TICKS (2 * ACPI_PM_TICKS_PER_MS)
/* A PM timer that does not move within this many reads is taken to be absent. */
#define CALIBRATION_MAX_READS 100000
#define TIMER_COUNTS_WITHOUT_CALIBRATION (1000000000u / LAPIC_TIMER_DIVISOR / 1000u)

static uint32_t counts_per_ms = TIMER_COUNTS_WITHOUT_CALIBRATION;
static bool calibrated;

uint32_t pm_timer_now(void) {
    return inl(ACPI_PM_TIMER_PORT) & ACPI_PM_TIMER_MASK;
}

static uint32_t pm_ticks_since(uint32_t start) {
    return (pm_timer_now() - start) & ACPI_PM_TIMER_MASK;
}

/* Lets the free-running APIC timer count down (masked, so it never interrupts) while the PM
 * timer advances by CALIBRATION_PM_TICKS. */
void lapic_timer_calibrate(void) {
    uint32_t const pm_start = pm_timer_now();
    lapic_timer_free_run();
    uint32_t const count_start = lapic_timer_current();
    uint32_t elapsed = 0;
    for (int reads = 0; reads < CALIBRATION_MAX_READS && elapsed < CALIBRATION_PM_TICKS; ++reads) {
        elapsed = pm_ticks_since(pm_start);
    }
    uint32_t const counted = count_start - lapic_timer_current();
    lapic_timer_stop();
    if (elapsed < CALIBRATION_PM_TICKS || counted == 0) {
        return;
    }
    /* In hundredths of a millisecond, so that 32-bit arithmetic keeps 0.5 % precision: the
     * guests have no 64-bit division. */
    uint32_t const elapsed_centi_ms = elapsed * 100u / ACPI_PM_TICKS_PER_MS;
    uint32_t const measured = counted * 100u / elapsed_centi_ms;
    if (measured != 0) {
        counts_per_ms = measured;
        calibrated = true;
    }
}

uint32_t lapic_timer_counts_per_ms(void) {
    return counts_per_ms;
}

bool lapic_timer_is_calibrated(void) {
    return calibrated;
}
