/* From the multiboot entry to guest_main: console, interrupts, a quiet 8259 and the APIC. */
#include "runtime.h"
#include "runtime_internal.h"
#include "segments.h"
#include "x86.h"

/* Intel 8259A data sheet: OCW1 written to the odd port sets the interrupt mask register. */
#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_DATA 0xa1
#define PIC_MASK_ALL 0xff

void runtime_start(uint32_t magic, uint32_t info_address) {
    console_init();
    interrupts_init();
    if (magic != MULTIBOOT_LOADER_MAGIC) {
        print("FAIL: entered with eax 0x%08x, not the multiboot magic\n", magic);
        debug_exit(GUEST_EXIT_FAIL);
    }
    multiboot_set_info(info_address);
    /* Interrupts reach the guests through the IOAPIC only; a BIOS-style 8259 setup would
     * deliver ISA lines a second time on vectors that overlap the exceptions. */
    outb(PIC_MASTER_DATA, PIC_MASK_ALL);
    outb(PIC_SLAVE_DATA, PIC_MASK_ALL);
    lapic_enable();
    lapic_timer_calibrate();
    guest_main();
    print("FAIL: guest_main returned\n");
    debug_exit(GUEST_EXIT_FAIL);
}
