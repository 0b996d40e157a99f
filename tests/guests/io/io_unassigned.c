/* Accesses to addresses no device claims must be absorbed by the VMM (reads return some
 * value, writes vanish); the check is that the guest keeps running. */
#include "../runtime/runtime.h"
#include "../runtime/x86.h"
#include "io.h"

/* The IBM PC game port range, unused in vireo's and QEMU's PC. */
#define UNASSIGNED_PORT 0x201
/* Near the top of vireo's 32-bit PCI window (pc_layout.h kPciMmioEnd), where no BAR of the
 * few devices a test VM has is placed. */
#define UNASSIGNED_MMIO 0xdfff0000u

void test_unassigned_accesses(void) {
    outb(UNASSIGNED_PORT, 0x5a);
    outl(UNASSIGNED_PORT, 0x5a5a5a5a);
    uint32_t port_value = inl(UNASSIGNED_PORT);
    mmio_write32(UNASSIGNED_MMIO, 0x12345678);
    uint32_t mmio_value = mmio_read32(UNASSIGNED_MMIO);
    print("unassigned: port read 0x%08x, mmio read 0x%08x\n", port_value, mmio_value);
    check(true, "unassigned port and MMIO accesses are survived");
}
