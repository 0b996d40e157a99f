/* The flat GDT every test guest runs on. Shared by C and assembly (the SMP trampoline loads
 * the same table), so it holds only preprocessor constants. */
#pragma once

/* Multiboot leaves GDTR undefined (Multiboot 0.6.96 3.2, "Machine state"), so the guest
 * loads its own: a null descriptor, flat 4 GiB ring-0 code and data segments, and a 64-bit
 * code segment for the checks that visit long mode. */
#define GDT_ENTRIES 4
#define GDT_LIMIT (GDT_ENTRIES * 8 - 1)
#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define KERNEL_CS64 0x18

/* Intel SDM Vol. 3A 3.4.5: base 0, limit 0xfffff with G=1, D/B=1 (32-bit), present, DPL 0;
 * type 0xa = execute/read code, 0x2 = read/write data. */
#define GDT_FLAT_CODE32 0x00cf9a000000ffff
#define GDT_FLAT_DATA32 0x00cf92000000ffff
/* Intel SDM Vol. 3A 5.2.1: L=1 and D=0 make a 64-bit code segment. */
#define GDT_FLAT_CODE64 0x00af9a000000ffff

/* Multiboot 0.6.96 3.2: EAX holds this value when a compliant loader enters the kernel. */
#define MULTIBOOT_LOADER_MAGIC 0x2badb002
