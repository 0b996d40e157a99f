/* Port I/O through the testdev scratch register: every width and offset, the byte-wise
 * alias, string I/O and the flush-page port. */
#include "../runtime/runtime.h"
#include "../runtime/x86.h"
#include "io.h"
#include "testdev.h"

static void rep_outsw(uint16_t port, uint16_t const* source, uint32_t count) {
    __asm__ volatile("rep outsw" : "+S"(source), "+c"(count) : "d"(port) : "memory");
}

static void rep_outsl(uint16_t port, uint32_t const* source, uint32_t count) {
    __asm__ volatile("rep outsl" : "+S"(source), "+c"(count) : "d"(port) : "memory");
}

static void rep_insb(uint16_t port, uint8_t* destination, uint32_t count) {
    __asm__ volatile("rep insb" : "+D"(destination), "+c"(count) : "d"(port) : "memory");
}

static void rep_insw(uint16_t port, uint16_t* destination, uint32_t count) {
    __asm__ volatile("rep insw" : "+D"(destination), "+c"(count) : "d"(port) : "memory");
}

/* The register keeps 4 bytes; an access at offset k of width w touches bytes k..k+w-1.
 * Only naturally aligned accesses: QEMU's device ignores the others. */
static void test_scratch_widths(void) {
    outl(TESTDEV_SCRATCH_PORT, 0x11223344);
    check(inl(TESTDEV_SCRATCH_PORT) == 0x11223344, "scratch: 4-byte write reads back");
    check(inb(TESTDEV_SCRATCH_PORT + 1) == 0x33, "scratch: 1-byte read at offset 1");
    check(inw(TESTDEV_SCRATCH_PORT + 2) == 0x1122, "scratch: 2-byte read at offset 2");
    outb(TESTDEV_SCRATCH_PORT + 3, 0xaa);
    check(inl(TESTDEV_SCRATCH_PORT) == 0xaa223344, "scratch: 1-byte write at offset 3 merges");
    outw(TESTDEV_SCRATCH_PORT + 2, 0xbeef);
    check(inl(TESTDEV_SCRATCH_PORT) == 0xbeef3344, "scratch: 2-byte write at offset 2 merges");
    outb(TESTDEV_SCRATCH_PORT + 1, 0x99);
    check(inl(TESTDEV_SCRATCH_PORT) == 0xbeef9944, "scratch: 1-byte write at offset 1 merges");
}

/* pc-testdev's byte port is the same register, split into byte accesses by the device. */
static void test_byte_port(void) {
    outl(TESTDEV_BYTE_PORT, 0xcafef00d);
    check(inl(TESTDEV_SCRATCH_PORT) == 0xcafef00d, "byte port: 4-byte write lands in scratch");
    check(inl(TESTDEV_BYTE_PORT) == 0xcafef00d, "byte port: 4-byte read");
    check(inw(TESTDEV_BYTE_PORT + 2) == 0xcafe, "byte port: 2-byte read at offset 2");
}

/* String I/O repeats on one port, so only the last element of an OUTS stays. */
static void test_string_io(void) {
    static uint16_t const words[] = {0x1234, 0x5678, 0x9abc};
    outl(TESTDEV_SCRATCH_PORT, 0x55550000);
    rep_outsw(TESTDEV_SCRATCH_PORT, words, 3);
    check(inl(TESTDEV_SCRATCH_PORT) == 0x55559abc, "rep outsw: last word stays, high half kept");

    static uint32_t const longs[] = {0x01020304, 0xa1b2c3d4};
    rep_outsl(TESTDEV_SCRATCH_PORT, longs, 2);
    check(inl(TESTDEV_SCRATCH_PORT) == 0xa1b2c3d4, "rep outsl: last doubleword stays");

    uint8_t bytes[5] = {0, 0, 0, 0, 0x77};
    rep_insb(TESTDEV_SCRATCH_PORT + 3, bytes, 4);
    check(bytes[0] == 0xa1 && bytes[3] == 0xa1 && bytes[4] == 0x77,
          "rep insb: four reads of byte 3, nothing past the count");

    uint16_t halves[3] = {0, 0, 0x7777};
    rep_insw(TESTDEV_SCRATCH_PORT, halves, 2);
    check(halves[0] == 0xc3d4 && halves[1] == 0xc3d4 && halves[2] == 0x7777,
          "rep insw: two reads of the low half, nothing past the count");
}

/* The flush port discards the host's mapping of a guest page; its contents must stay. */
static void test_flush_page(void) {
    static uint8_t page[4096] __attribute__((aligned(4096)));
    for (uint32_t i = 0; i < sizeof page; ++i) {
        page[i] = (uint8_t)(i * 7);
    }
    outl(TESTDEV_FLUSH_PORT, (uint32_t)(uintptr_t)page);
    bool same = true;
    for (uint32_t i = 0; i < sizeof page; ++i) {
        same = same && page[i] == (uint8_t)(i * 7);
    }
    check(same, "flush port: page contents survive a flush");
}

void test_ports(void) {
    test_scratch_widths();
    test_byte_port();
    test_string_io();
    test_flush_page();
}
