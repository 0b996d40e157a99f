/* Where application processors start: real-mode code that the BSP copies below 1 MiB. It
 * loads the runtime's GDT, enters protected mode and jumps to ap_entry32 above 1 MiB. */
#include "../runtime/segments.h"

#define CR0_PE 1

    .section .rodata
    .code16
    .global ap_trampoline_start, ap_trampoline_end
ap_trampoline_start:
    /* Intel SDM Vol. 3A 9.4.4: the AP starts in real mode with CS = vector << 8 and IP = 0,
     * so addressing within the trampoline is relative to its start. */
    cli
    cld
    movw %cs, %ax
    movw %ax, %ds
    lgdtl ap_gdt_pointer - ap_trampoline_start
    movl %cr0, %eax
    orl $CR0_PE, %eax
    movl %eax, %cr0
    ljmpl $KERNEL_CS, $ap_entry32

    .balign 4
ap_gdt_pointer:
    .word GDT_LIMIT
    .long runtime_gdt
ap_trampoline_end:

    .text
    .code32
ap_entry32:
    movl $KERNEL_DS, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %fs
    movl %eax, %gs
    movl %eax, %ss
    /* The BSP starts one AP at a time and sets its stack before the SIPI. */
    movl ap_stack_top, %esp
    call ap_main
1:  cli
    hlt
    jmp 1b

    .section .note.GNU-stack, "", @progbits
