/* triple_fault: shuts the processor down. With an empty IDT, a divide error cannot be
 * delivered (#GP), nor can the #GP, which makes a double fault, nor the #DF, and the
 * processor enters shutdown (Intel SDM Vol. 3A 6.15, "Interrupt 8 - Double Fault
 * Exception"). A divide by zero rather than INT3: KVM on hosts that emulate guest ring 0
 * (nested kvm_pvm) cannot emulate a protected-mode INT3 and stops with an emulation
 * failure instead of faulting. */
#include "runtime/runtime.h"

struct idt_descriptor {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed));

void guest_main(void) {
    print("triple_fault: loading an empty IDT and dividing by zero\n");
    struct idt_descriptor const empty = {0, 0};
    __asm__ volatile("lidt %0\n\tdivl %1" : : "m"(empty), "r"(0u), "a"(1u), "d"(0u));
    print("FAIL: still running after a triple fault\n");
    debug_exit(GUEST_EXIT_FAIL);
}
