/* Just enough ACPI table reading to power off: the PM1a control port from the FADT and the
 * sleep type of \_S5 from the DSDT. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct acpi_soft_off {
    uint32_t pm1a_control_port;
    uint32_t s5_sleep_type;
};

/* Fills what the firmware tables say; false (with a printed reason) when they are missing or
 * say too little. */
bool acpi_find_soft_off(struct acpi_soft_off* result);
