/* MMIO through the testdev's 64 KiB RAM-like window: every width from 1 to 16 bytes,
 * unaligned accesses, string moves, and the last bytes of the window. */
#include "io.h"

#include "../runtime/runtime.h"
#include "../runtime/x86.h"
#include "testdev.h"

#define CPUID_FEATURES_LEAF 1
#define CPUID_EDX_SSE2 (1u << 26) /* Intel SDM Vol. 2A CPUID, Table 3-11 */

static uint8_t volatile* mmio(uint32_t offset) {
    return (uint8_t volatile*)(uintptr_t)(TESTDEV_MMIO_BASE + offset);
}

static void rep_movsb(void volatile* destination, void const volatile* source, uint32_t count) {
    __asm__ volatile("rep movsb" : "+D"(destination), "+S"(source), "+c"(count) : : "memory");
}

static void rep_movsl(void volatile* destination, void const volatile* source, uint32_t count) {
    __asm__ volatile("rep movsl" : "+D"(destination), "+S"(source), "+c"(count) : : "memory");
}

static void test_narrow(void) {
    *mmio(0x10) = 0x5a;
    check(*mmio(0x10) == 0x5a, "mmio: 1-byte write reads back");
    *(uint16_t volatile*)mmio(0x20) = 0xa55a;
    check(*(uint16_t volatile*)mmio(0x20) == 0xa55a, "mmio: 2-byte write reads back");
    *(uint32_t volatile*)mmio(0x30) = 0xdeadbeef;
    check(*(uint32_t volatile*)mmio(0x30) == 0xdeadbeef, "mmio: 4-byte write reads back");
    check(*mmio(0x31) == 0xbe && *(uint16_t volatile*)mmio(0x32) == 0xdead,
          "mmio: narrower reads see the bytes of a 4-byte write");
    *(uint32_t volatile*)mmio(0x41) = 0x01020304;
    check(*(uint32_t volatile*)mmio(0x41) == 0x01020304 && *mmio(0x44) == 0x01,
          "mmio: unaligned 4-byte write reads back");
}

static bool cpu_has_sse2(void) {
    uint32_t eax = CPUID_FEATURES_LEAF, ebx, ecx = 0, edx;
    __asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
    return (edx & CPUID_EDX_SSE2) != 0;
}

static void test_16_bytes(void) {
    if (!check(cpu_has_sse2(), "cpu reports SSE2 (x86-64 baseline)")) {
        return;
    }
    sse_enable();
    static uint8_t const pattern[16] = {0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87,
                                        0x98, 0xa9, 0xba, 0xcb, 0xdc, 0xed, 0xfe, 0x0f};
    uint8_t back[16] = {0};
    move_16_bytes(mmio(0x203), pattern);
    move_16_bytes(back, mmio(0x203));
    check(memcmp(back, pattern, 16) == 0, "mmio: unaligned 16-byte movdqu write and read back");
}

static void test_8_bytes(void) {
    if (!check(cpu_has_long_mode(), "cpu reports long mode")) {
        return;
    }
    static uint64_t const values[4] = {0x8877665544332211ull, 0x0123456789abcdefull,
                                       0xfedcba9876543210ull, 0x00ff00ff00ff00ffull};
    static uint64_t readback[4];
    long_mode_map_low_4g();
    struct long_mode_moves const moves = {
        .mmio = TESTDEV_MMIO_BASE + 0x100,
        .source = (uint32_t)(uintptr_t)values,
        .readback = (uint32_t)(uintptr_t)readback,
    };
    run_long_mode_moves(&moves);
    check(readback[0] == values[0], "mmio: 8-byte mov write and read back (64-bit mode)");
    check(*(uint32_t volatile*)mmio(0x104) == 0x88776655, "mmio: high half of the 8-byte write");
    check(memcmp(&readback[1], &values[1], 3 * sizeof values[0]) == 0,
          "mmio: rep movsq to and from the window (64-bit mode)");
}

static void test_string_moves(void) {
    static uint32_t source[16];
    static uint32_t back[16];
    for (uint32_t i = 0; i < 16; ++i) {
        source[i] = 0x01010101u * i + 0x00c0ffeeu;
    }
    rep_movsl(mmio(0x400), source, 16);
    rep_movsl(back, mmio(0x400), 16);
    check(memcmp(back, source, sizeof back) == 0, "mmio: rep movsl to and from the window");
    rep_movsb(mmio(0x501), source, 13);
    memset(back, 0, sizeof back);
    rep_movsb(back, mmio(0x501), 13);
    check(memcmp(back, source, 13) == 0, "mmio: rep movsb, unaligned, odd length");
}

static void test_window_end(void) {
    uint32_t last = TESTDEV_MMIO_SIZE - 4;
    *(uint32_t volatile*)mmio(last) = 0x600dcafe;
    check(*(uint32_t volatile*)mmio(last) == 0x600dcafe, "mmio: last 4 bytes of the window");
    check(*mmio(0x10) == 0x5a, "mmio: earlier bytes unchanged by later writes");
}

void test_mmio(void) {
    test_narrow();
    test_16_bytes();
    test_8_bytes();
    test_string_moves();
    test_window_end();
}
