/* io: port, MMIO and interrupt paths through vireo's --testdev device (QEMU pc-testdev
 * compatible), each group reporting PASS/FAIL lines. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

void test_ports(void);
void test_mmio(void);
void test_interrupts(void);
void test_unassigned_accesses(void);

/* io_wide.S: 16-byte SSE moves, and 8-byte moves in 64-bit mode, which the 32-bit C of
 * the guest cannot express. */
void sse_enable(void);
void move_16_bytes(void volatile* destination, void const volatile* source);

struct long_mode_moves {
    uint32_t mmio;     /* where to write and read back 4 qwords */
    uint32_t source;   /* 4 qwords in RAM */
    uint32_t readback; /* room for 4 qwords in RAM */
};
void run_long_mode_moves(struct long_mode_moves const* moves);

/* io_long_mode.c */
bool cpu_has_long_mode(void);
void long_mode_map_low_4g(void);
