/* vireo's --testdev device, compatible with QEMU's pc-testdev (hw/misc/pc-testdev.c); the
 * addresses are vireo's pc_layout.h kTestDev* constants. */
#pragma once

#define TESTDEV_SCRATCH_PORT 0xe0 /* 4-byte scratch register, any width and offset */
#define TESTDEV_FLUSH_PORT 0xe4   /* 32-bit writes: a guest-physical page to flush */
#define TESTDEV_BYTE_PORT 0xe8    /* the same register, accessed one byte at a time */
#define TESTDEV_IRQ_PORT 0x2000   /* + n: writing 1/0 raises/lowers ISA IRQ line n */
#define TESTDEV_MMIO_BASE 0xff000000u
#define TESTDEV_MMIO_SIZE 0x10000u
