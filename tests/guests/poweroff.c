/* poweroff: enters ACPI S5 the way an operating system does, with the port and sleep type
 * the firmware tables give; without tables, with vireo's fixed ones. A VMM that does not
 * stop the machine within a second makes the guest fail through debug-exit. */
#include "runtime/runtime.h"
#include "runtime/x86.h"

/* vireo's pc_layout.h kAcpiPm1aControl and kAcpiS5SleepType. */
#define VIREO_PM1A_CONTROL_PORT 0x604
#define VIREO_S5_SLEEP_TYPE 5
/* ACPI 6.5 4.8.3.2.1 (Table 4.13): PM1 control register, SLP_TYPx in bits 12:10, SLP_EN
 * in bit 13. */
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_EN (1u << 13)
#define POWEROFF_GRACE_US 1000000

struct soft_off {
    uint32_t pm1a_control_port;
    uint32_t s5_sleep_type;
};

static bool soft_off_from_acpi(struct soft_off* result) {
    uint32_t const fadt = acpi_find_fadt();
    if (fadt == 0 || !acpi_s5_sleep_type(fadt, &result->s5_sleep_type)) {
        return false;
    }
    result->pm1a_control_port = acpi_read32(fadt + FADT_PM1A_CONTROL_BLOCK);
    print("acpi: FADT PM1a_CNT_BLK=0x%x, DSDT \\_S5 SLP_TYPa=%u\n", result->pm1a_control_port,
          result->s5_sleep_type);
    return true;
}

void guest_main(void) {
    struct soft_off soft_off = {VIREO_PM1A_CONTROL_PORT, VIREO_S5_SLEEP_TYPE};
    if (!soft_off_from_acpi(&soft_off)) {
        soft_off = (struct soft_off){VIREO_PM1A_CONTROL_PORT, VIREO_S5_SLEEP_TYPE};
        print("poweroff: using vireo's fixed PM1a_CNT and \\_S5\n");
    }
    print("poweroff: writing SLP_TYP=%u | SLP_EN to port 0x%x\n", soft_off.s5_sleep_type,
          soft_off.pm1a_control_port);
    outw((uint16_t)soft_off.pm1a_control_port,
         (uint16_t)(soft_off.s5_sleep_type << PM1_SLP_TYP_SHIFT | PM1_SLP_EN));
    delay_us(POWEROFF_GRACE_US);
    print("FAIL: still running a second after the S5 request\n");
    debug_exit(GUEST_EXIT_FAIL);
}
