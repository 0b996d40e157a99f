/* The interrupt descriptor table: every vector has a stub; a guest claims the ones it
 * expects, and anything else is reported as a crash. */
#include "runtime.h"
#include "runtime_internal.h"
#include "segments.h"
#include "x86.h"

#define VECTOR_COUNT 256
#define STUB_STRIDE 16 /* as laid out by interrupt_stubs.S */
#define FIRST_NON_EXCEPTION_VECTOR 32
/* Intel SDM Vol. 3A 6.11 (Figure 6-2): present, DPL 0, 32-bit interrupt gate, which clears
 * IF on entry. */
#define IDT_INTERRUPT_GATE 0x8e00

struct idt_entry {
    uint16_t offset_low;
    uint16_t selector;
    uint16_t flags;
    uint16_t offset_high;
};

struct idt_descriptor {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed));

extern char const interrupt_stubs[];

static struct idt_entry idt[VECTOR_COUNT] __attribute__((aligned(8)));
static interrupt_handler handlers[VECTOR_COUNT];

void interrupts_init(void) {
    for (unsigned vector = 0; vector < VECTOR_COUNT; ++vector) {
        uint32_t stub = (uint32_t)(uintptr_t)(interrupt_stubs + vector * STUB_STRIDE);
        idt[vector] = (struct idt_entry){
            .offset_low = (uint16_t)stub,
            .selector = KERNEL_CS,
            .flags = IDT_INTERRUPT_GATE,
            .offset_high = (uint16_t)(stub >> 16),
        };
    }
    idt_load();
}

void idt_load(void) {
    struct idt_descriptor descriptor = {sizeof idt - 1, (uint32_t)(uintptr_t)idt};
    __asm__ volatile("lidt %0" : : "m"(descriptor));
}

void set_interrupt_handler(uint8_t vector, interrupt_handler handler) {
    handlers[vector] = handler;
}

static void report_crash(struct interrupt_frame const* frame) {
    console_break_lock();
    print("CRASH: unexpected %s %u (error code 0x%x) at eip 0x%08x, cpu apic id %u\n",
          frame->vector < FIRST_NON_EXCEPTION_VECTOR ? "exception" : "interrupt vector",
          frame->vector, frame->error_code, frame->eip, lapic_id());
}

void interrupt_dispatch(struct interrupt_frame* frame) {
    interrupt_handler handler = handlers[frame->vector & 0xff];
    if (handler != NULL) {
        handler(frame);
        return;
    }
    /* Intel SDM Vol. 3A 11.9: a spurious interrupt needs no EOI and means nothing. */
    if (frame->vector == SPURIOUS_VECTOR) {
        return;
    }
    report_crash(frame);
    debug_exit(GUEST_EXIT_CRASH);
}
