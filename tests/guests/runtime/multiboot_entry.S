/* Multiboot v1 header and entry point shared by every test guest. */
#include "segments.h"

/* Multiboot 0.6.96 3.1.1: the header is 32-bit aligned within the first 8 KiB of the image;
 * flags bit 0 asks for page-aligned modules, bit 1 for the memory fields of the info. */
#define MULTIBOOT_HEADER_MAGIC 0x1badb002
#define MULTIBOOT_PAGE_ALIGN (1 << 0)
#define MULTIBOOT_MEMORY_INFO (1 << 1)
#define MULTIBOOT_HEADER_FLAGS (MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO)

#define BOOT_STACK_SIZE 16384

    .section .multiboot, "a"
    .balign 4
    .long MULTIBOOT_HEADER_MAGIC
    .long MULTIBOOT_HEADER_FLAGS
    .long -(MULTIBOOT_HEADER_MAGIC + MULTIBOOT_HEADER_FLAGS)

    .section .rodata
    .balign 8
    .global runtime_gdt
runtime_gdt:
    .quad 0
    .quad GDT_FLAT_CODE32
    .quad GDT_FLAT_DATA32
    .quad GDT_FLAT_CODE64
runtime_gdt_descriptor:
    .word GDT_LIMIT
    .long runtime_gdt

    .section .bss
    .balign 16
boot_stack:
    .skip BOOT_STACK_SIZE
boot_stack_top:

    .text
    .code32
    .global _start
_start:
    /* Multiboot 0.6.96 3.2: flat protected mode, paging and interrupts off, ESP and GDTR
     * undefined. EAX and EBX carry the magic and the info address; keep them. */
    cli
    movl $boot_stack_top, %esp
    pushl $0
    popfl
    lgdt runtime_gdt_descriptor
    ljmp $KERNEL_CS, $1f
1:
    movl $KERNEL_DS, %ecx
    movl %ecx, %ds
    movl %ecx, %es
    movl %ecx, %fs
    movl %ecx, %gs
    movl %ecx, %ss
    pushl %ebx
    pushl %eax
    call runtime_start
    /* runtime_start does not return. */
    cli
2:  hlt
    jmp 2b

    .section .note.GNU-stack, "", @progbits
