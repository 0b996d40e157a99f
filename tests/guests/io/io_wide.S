/* Wide moves for the MMIO checks: 16-byte SSE moves in protected mode, and 8-byte general
 * register and string moves in 64-bit mode, which the guest visits just for them (they are
 * how a 64-bit kernel's readq/writeq and memcpy reach MMIO). */
#include "../runtime/segments.h"

/* Intel SDM Vol. 3A 13.1.3: SSE instructions need CR0.EM clear, CR0.MP set and CR4.OSFXSR
 * set; CR4.OSXMMEXCPT routes SIMD exceptions to #XM instead of #UD. */
#define CR0_MP (1 << 1)
#define CR0_EM (1 << 2)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define CR4_OSFXSR (1 << 9)
#define CR4_OSXMMEXCPT (1 << 10)
#define MSR_EFER 0xc0000080 /* Intel SDM Vol. 4 Table 2-2 */
#define EFER_LME (1 << 8)

/* struct long_mode_moves (io.h): three 32-bit physical addresses. */
#define MOVES_MMIO 0
#define MOVES_SOURCE 4
#define MOVES_READBACK 8
#define MOVES_STRING_QWORDS 3

    .text
    .code32

    .global sse_enable
sse_enable:
    movl %cr0, %eax
    andl $~CR0_EM, %eax
    orl $CR0_MP, %eax
    movl %eax, %cr0
    movl %cr4, %eax
    orl $(CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
    movl %eax, %cr4
    ret

/* void move_16_bytes(void volatile* destination, void const volatile* source) */
    .global move_16_bytes
move_16_bytes:
    movl 4(%esp), %edx
    movl 8(%esp), %ecx
    movdqu (%ecx), %xmm0
    movdqu %xmm0, (%edx)
    ret

/* void run_long_mode_moves(struct long_mode_moves const* moves)
 * Enters IA-32e mode as Intel SDM Vol. 3A 9.8.5 describes (PAE, CR3, EFER.LME, CR0.PG, then
 * a far jump to a 64-bit segment), moves one qword to MMIO and back and three more with
 * REP MOVSQ each way, and leaves again as 9.8.5.4 describes (far return to compatibility
 * mode, CR0.PG and EFER.LME cleared). Interrupts stay off: the IDT holds 32-bit gates. */
    .global run_long_mode_moves
run_long_mode_moves:
    pushl %ebp
    pushl %ebx
    pushl %esi
    pushl %edi
    pushfl
    cli
    movl 24(%esp), %ebp
    movl %cr4, %eax
    orl $CR4_PAE, %eax
    movl %eax, %cr4
    movl $long_mode_pml4, %eax
    movl %eax, %cr3
    movl $MSR_EFER, %ecx
    rdmsr
    orl $EFER_LME, %eax
    wrmsr
    movl %cr0, %eax
    orl $CR0_PG, %eax
    movl %eax, %cr0
    ljmp $KERNEL_CS64, $1f

    .code64
1:
    /* Upper register halves are undefined after the mode switch: 32-bit moves clear them. */
    movl %esp, %esp
    movl %ebp, %ebp
    movl MOVES_SOURCE(%rbp), %esi
    movl MOVES_MMIO(%rbp), %edi
    movl MOVES_READBACK(%rbp), %edx
    movq (%rsi), %rax
    movq %rax, (%rdi)
    movq (%rdi), %rax
    movq %rax, (%rdx)
    addq $8, %rsi
    addq $8, %rdi
    movl $MOVES_STRING_QWORDS, %ecx
    rep movsq
    movl MOVES_MMIO(%rbp), %esi
    addq $8, %rsi
    leaq 8(%rdx), %rdi
    movl $MOVES_STRING_QWORDS, %ecx
    rep movsq
    pushq $KERNEL_CS
    leaq 2f(%rip), %rax
    pushq %rax
    lretq

    .code32
2:
    movl %cr0, %eax
    andl $~CR0_PG, %eax
    movl %eax, %cr0
    movl $MSR_EFER, %ecx
    rdmsr
    andl $~EFER_LME, %eax
    wrmsr
    movl %cr4, %eax
    andl $~CR4_PAE, %eax
    movl %eax, %cr4
    popfl
    popl %edi
    popl %esi
    popl %ebx
    popl %ebp
    ret

    .section .note.GNU-stack, "", @progbits
