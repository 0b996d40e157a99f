/* Interrupts from the testdev's ISA IRQ lines, routed through the IOAPIC to this CPU's local
 * APIC: edge-triggered delivery, and level-triggered re-delivery while the line stays high. */
#include "../runtime/runtime.h"
#include "../runtime/x86.h"
#include "io.h"
#include "testdev.h"

/* ISA lines no platform device uses in vireo's or QEMU's PC (IBM PC/AT assignments leave
 * 10 and 11 free); ISA IRQ n is IOAPIC pin n for n != 0 (ACPI 6.5 5.2.12.5). */
#define EDGE_LINE 10
#define LEVEL_LINE 11
#define EDGE_VECTOR 0x40
#define LEVEL_VECTOR 0x41
#define INTERRUPT_TIMEOUT_MS 1000
/* How long to watch for an interrupt that must not come. */
#define QUIET_PERIOD_MS 50

static uint32_t volatile edge_interrupts;
static uint32_t volatile level_interrupts;

static void set_line(uint32_t line, uint8_t level) {
    outb(TESTDEV_IRQ_PORT + line, level);
}

static void on_edge(struct interrupt_frame* frame) {
    ++edge_interrupts;
    print("irq: vector 0x%x handled (edge, %u so far)\n", frame->vector, edge_interrupts);
    lapic_eoi();
}

/* The first time, leave the line high: after the EOI the IOAPIC must deliver it again
 * (82093AA 3.2.4, Remote IRR). The second time, lower it as a driver acknowledging its
 * device would. */
static void on_level(struct interrupt_frame* frame) {
    ++level_interrupts;
    print("irq: vector 0x%x handled (level, %u so far)\n", frame->vector, level_interrupts);
    if (level_interrupts >= 2) {
        set_line(LEVEL_LINE, 0);
    }
    lapic_eoi();
}

static void test_edge(void) {
    set_interrupt_handler(EDGE_VECTOR, on_edge);
    set_line(EDGE_LINE, 0);
    ioapic_route(EDGE_LINE, EDGE_VECTOR, false, lapic_id());
    set_line(EDGE_LINE, 1);
    check(wait_for_count(&edge_interrupts, 1, INTERRUPT_TIMEOUT_MS),
          "irq: raising an edge-triggered line interrupts");
    set_line(EDGE_LINE, 0);
    set_line(EDGE_LINE, 1);
    check(wait_for_count(&edge_interrupts, 2, INTERRUPT_TIMEOUT_MS),
          "irq: a second rising edge interrupts again");
    set_line(EDGE_LINE, 0);
    wait_for_count(&edge_interrupts, 3, QUIET_PERIOD_MS);
    check(edge_interrupts == 2, "irq: no edge interrupt without a rising edge");
    ioapic_mask(EDGE_LINE);
}

static void test_level(void) {
    set_interrupt_handler(LEVEL_VECTOR, on_level);
    set_line(LEVEL_LINE, 0);
    ioapic_route(LEVEL_LINE, LEVEL_VECTOR, true, lapic_id());
    set_line(LEVEL_LINE, 1);
    check(wait_for_count(&level_interrupts, 2, INTERRUPT_TIMEOUT_MS),
          "irq: a level-triggered line still high after EOI interrupts again");
    /* Exactly two on hardware and under QEMU TCG. KVM on hosts that emulate guest ring 0
     * (nested kvm_pvm) delivers one more after the line is low, with ISR and IRR showing
     * nothing; that is the host's, so the check allows one and looks for a storm. */
    wait_for_count(&level_interrupts, 4, QUIET_PERIOD_MS);
    uint32_t settled = level_interrupts;
    wait_for_count(&level_interrupts, settled + 1, QUIET_PERIOD_MS);
    print("irq: %u level interrupts in all\n", level_interrupts);
    check(level_interrupts == settled && settled <= 3,
          "irq: level interrupts stop once the line is low");
    ioapic_mask(LEVEL_LINE);
}

void test_interrupts(void) {
    test_edge();
    test_level();
}
