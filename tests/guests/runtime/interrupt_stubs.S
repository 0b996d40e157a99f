/* One entry stub per interrupt vector, 16 bytes apart, and the common path into C. */

#define STUB_STRIDE 16

    .text
    .code32
    .balign STUB_STRIDE
    .global interrupt_stubs
interrupt_stubs:
    .set vector, 0
    .rept 256
    .balign STUB_STRIDE
    /* Intel SDM Vol. 3A 6.15 (Table 6-1): these exceptions push an error code; for all other
     * vectors the stub pushes a zero so that every frame has the same layout. */
    .if (vector == 8) || (vector >= 10 && vector <= 14) || (vector == 17) || (vector == 21) || (vector == 29) || (vector == 30)
    .else
    pushl $0
    .endif
    pushl $vector
    jmp interrupt_common
    .set vector, vector + 1
    .endr

interrupt_common:
    pushal
    cld
    pushl %esp
    call interrupt_dispatch
    addl $4, %esp
    popal
    /* Drop the vector and error code. */
    addl $8, %esp
    /* Return without IRET: where KVM emulates guest ring 0 instruction by instruction (see
     * docs on nested kvm_pvm hosts), its emulator handles IRET in real mode only (Linux
     * arch/x86/kvm/emulate.c, em_iret) and stops the VM on a protected-mode one. Every
     * handler interrupts ring-0 code on the same code segment and stack, so restoring
     * EFLAGS and returning near is equivalent: the frame is EIP, CS, EFLAGS (Intel SDM
     * Vol. 3A 6.12.1). An interrupt taken between POPF and RET nests harmlessly. */
    pushl 8(%esp)
    popfl
    ret $8

    .section .note.GNU-stack, "", @progbits
