#include "../runtime/runtime.h"
#include "io.h"

void guest_main(void) {
    print("io: testdev port, MMIO and interrupt checks\n");
    test_ports();
    test_mmio();
    test_interrupts();
    test_unassigned_accesses();
    finish_checks("io");
}
