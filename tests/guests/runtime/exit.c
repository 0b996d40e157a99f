/* Leaving the guest: the debug-exit port and the PASS/FAIL bookkeeping of the checks. */
#include "runtime.h"
#include "x86.h"

/* QEMU's isa-debug-exit at iobase 0xf4, iosize 4 (vireo's pc_layout.h kDebugExitPort): the
 * VMM exits with (value << 1) | 1. */
#define DEBUG_EXIT_PORT 0xf4

static uint32_t checks_passed;
static uint32_t checks_failed;

void debug_exit(uint32_t value) {
    outl(DEBUG_EXIT_PORT, value);
    /* Only reached when no debug-exit device is present. */
    print("debug-exit port did not stop the machine\n");
    halt_forever();
}

bool check(bool ok, char const* what) {
    print("%s: %s\n", ok ? "PASS" : "FAIL", what);
    if (ok) {
        ++checks_passed;
    } else {
        ++checks_failed;
    }
    return ok;
}

void finish_checks(char const* guest_name) {
    print("%s: %u passed, %u failed\n", guest_name, checks_passed, checks_failed);
    debug_exit(checks_failed == 0 && checks_passed > 0 ? GUEST_EXIT_PASS : GUEST_EXIT_FAIL);
}
