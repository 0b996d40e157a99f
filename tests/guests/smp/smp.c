/* smp: the BSP starts every other CPU with INIT-SIPI-SIPI (Intel SDM Vol. 3A 9.4.4.1); each
 * prints "cpu N up" with its APIC ID and wakes the BSP with an IPI. "cpus=N" on the command
 * line says how many CPUs the VM has (default 2); their APIC IDs are 0..N-1. */
#include "../runtime/runtime.h"
#include "../runtime/x86.h"

/* The trampoline's page: below 1 MiB and 4 KiB aligned (the SIPI vector is its page number),
 * clear of vireo's boot structures (pc_layout.h: boot info at 0x6000, command line from
 * 0x20000) and of QEMU's, which it places above the kernel. */
#define TRAMPOLINE_ADDRESS 0x10000u
#define PAGE_SHIFT 12
/* Intel SDM Vol. 3A 11.6.1 (Figure 11-12): delivery mode INIT (101b) or Start-up (110b),
 * level "assert"; the start-up vector is the low byte. */
#define ICR_INIT_ASSERT 0x4500u
#define ICR_STARTUP 0x4600u
#define ICR_FIXED 0x4000u
/* Intel SDM Vol. 3A 9.4.4.1: wait 10 ms after INIT and 200 us after each SIPI. */
#define INIT_DELAY_US 10000
#define STARTUP_DELAY_US 200
#define AP_TIMEOUT_MS 2000
#define WAKE_VECTOR 0x50
#define MAX_CPUS 64
#define AP_STACK_SIZE 4096

extern char const ap_trampoline_start[];
extern char const ap_trampoline_end[];

uint32_t ap_stack_top;
static uint8_t ap_stacks[MAX_CPUS][AP_STACK_SIZE] __attribute__((aligned(16)));
static uint32_t volatile cpus_up;
static uint32_t bsp_apic_id;

void ap_main(void);

void ap_main(void) {
    idt_load();
    lapic_enable();
    print("cpu %u up\n", lapic_id());
    __atomic_add_fetch(&cpus_up, 1, __ATOMIC_RELEASE);
    lapic_send_ipi(bsp_apic_id, ICR_FIXED | WAKE_VECTOR);
}

static void on_wake(struct interrupt_frame* frame) {
    (void)frame;
    lapic_eoi();
}

static bool start_ap(uint32_t apic_id) {
    ap_stack_top = (uint32_t)(uintptr_t)&ap_stacks[apic_id][AP_STACK_SIZE];
    uint32_t const before = cpus_up;
    uint32_t const vector = TRAMPOLINE_ADDRESS >> PAGE_SHIFT;
    bool sent = lapic_send_ipi(apic_id, ICR_INIT_ASSERT);
    delay_us(INIT_DELAY_US);
    for (int sipi = 0; sipi < 2 && sent; ++sipi) {
        sent = lapic_send_ipi(apic_id, ICR_STARTUP | vector);
        delay_us(STARTUP_DELAY_US);
    }
    if (!sent) {
        print("FAIL: the local APIC did not send the IPIs for cpu %u\n", apic_id);
        return false;
    }
    return wait_for_count(&cpus_up, before + 1, AP_TIMEOUT_MS);
}

void guest_main(void) {
    uint32_t cpus = 2;
    cmdline_number("cpus", &cpus);
    if (cpus < 1 || cpus > MAX_CPUS) {
        print("FAIL: cpus=%u is out of range\n", cpus);
        debug_exit(GUEST_EXIT_FAIL);
    }
    bsp_apic_id = lapic_id();
    print("cpu %u up\n", bsp_apic_id);
    cpus_up = 1;
    set_interrupt_handler(WAKE_VECTOR, on_wake);
    memcpy((void*)(uintptr_t)TRAMPOLINE_ADDRESS, ap_trampoline_start,
           (size_t)(ap_trampoline_end - ap_trampoline_start));
    for (uint32_t apic_id = 0; apic_id < cpus; ++apic_id) {
        if (apic_id != bsp_apic_id && !start_ap(apic_id)) {
            print("FAIL: cpu %u did not come up\n", apic_id);
            debug_exit(GUEST_EXIT_FAIL);
        }
    }
    print("smp: %u cpus up\n", cpus_up);
    debug_exit(GUEST_EXIT_PASS);
}
