/* reboot: resets the machine through the 8042's reset line, or with "via_acpi=1" on the
 * command line through the FADT's RESET_REG, keeping a boot mark in CMOS NVRAM, which a reset
 * leaves alone on a PC. The first boot resets; a second boot reports and exits with PASS. */
#include "runtime/runtime.h"
#include "runtime/x86.h"

/* MC146818 RTC: index at 0x70, data at 0x71 (vireo's pc_layout.h kCmosPort); bytes 0x0e-0x7f
 * are free NVRAM, and 0x7e is used by no BIOS convention vireo follows. */
#define CMOS_INDEX_PORT 0x70
#define CMOS_DATA_PORT 0x71
#define CMOS_BOOT_MARK_INDEX 0x7e
#define BOOT_MARK 0xa5
/* IBM PC/AT 8042: command 0xfe pulses output port bit 0, the CPU reset line. */
#define KBC_COMMAND_PORT 0x64
#define KBC_PULSE_RESET 0xfe
#define RESET_GRACE_US 1000000

static uint8_t cmos_read(uint8_t index) {
    outb(CMOS_INDEX_PORT, index);
    return inb(CMOS_DATA_PORT);
}

static void cmos_write(uint8_t index, uint8_t value) {
    outb(CMOS_INDEX_PORT, index);
    outb(CMOS_DATA_PORT, value);
}

/* ACPI 6.5 4.8.3.6: write RESET_VALUE to RESET_REG, where the FADT says it is supported. */
static bool reset_via_acpi(void) {
    uint32_t const fadt = acpi_find_fadt();
    if (fadt == 0 || !(acpi_read32(fadt + FADT_FLAGS) & FADT_FLAG_RESET_REG_SUP)) {
        print("FAIL: the FADT offers no RESET_REG\n");
        return false;
    }
    uint8_t const space = *(uint8_t const*)(uintptr_t)(fadt + FADT_RESET_REG + GAS_ADDRESS_SPACE);
    uint32_t const port = acpi_read32(fadt + FADT_RESET_REG + GAS_ADDRESS);
    uint8_t const value = *(uint8_t const*)(uintptr_t)(fadt + FADT_RESET_VALUE);
    if (space != GAS_SPACE_SYSTEM_IO) {
        print("FAIL: RESET_REG is in address space %u, not system I/O\n", space);
        return false;
    }
    print("reboot: writing 0x%x to RESET_REG port 0x%x\n", value, port);
    outb((uint16_t)port, value);
    return true;
}

static void reset(void) {
    uint32_t via_acpi = 0;
    cmdline_number("via_acpi", &via_acpi);
    if (via_acpi != 0) {
        if (!reset_via_acpi()) {
            debug_exit(GUEST_EXIT_FAIL);
        }
    } else {
        print("reboot: pulsing the 8042 reset line\n");
        outb(KBC_COMMAND_PORT, KBC_PULSE_RESET);
    }
}

void guest_main(void) {
    if (cmos_read(CMOS_BOOT_MARK_INDEX) == BOOT_MARK) {
        cmos_write(CMOS_BOOT_MARK_INDEX, 0);
        print("reboot: second boot\n");
        debug_exit(GUEST_EXIT_PASS);
    }
    print("reboot: first boot\n");
    cmos_write(CMOS_BOOT_MARK_INDEX, BOOT_MARK);
    reset();
    delay_us(RESET_GRACE_US);
    print("FAIL: still running a second after the reset\n");
    debug_exit(GUEST_EXIT_FAIL);
}
