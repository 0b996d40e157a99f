// difftest_enter(MachineState const* state): loads every register of `state` and jumps to the
// program at kCodeAddress. It never returns: the program ends in a fault (its final HLT
// raises #GP at CPL3) whose signal handler records the state and exits the child.
// The offsets are those of MachineState (static_asserts in machine_state.h); the jump target
// is difftest_code_address (native_runner.cpp), i.e. kCodeAddress.
//
// No byte of the program's stack is touched: RFLAGS is popped from the state itself (RSP is
// pointed at it), then RSP is loaded, RDI last since it holds the state pointer.

    .set STATE_RFLAGS, 136
    .set STATE_FX, 144

    .text
    .globl difftest_enter
    .type difftest_enter, @function
difftest_enter:
    fxrstor64 STATE_FX(%rdi)
    lea STATE_RFLAGS(%rdi), %rsp
    popfq
    mov 0(%rdi), %rax
    mov 8(%rdi), %rcx
    mov 16(%rdi), %rdx
    mov 24(%rdi), %rbx
    mov 40(%rdi), %rbp
    mov 48(%rdi), %rsi
    mov 64(%rdi), %r8
    mov 72(%rdi), %r9
    mov 80(%rdi), %r10
    mov 88(%rdi), %r11
    mov 96(%rdi), %r12
    mov 104(%rdi), %r13
    mov 112(%rdi), %r14
    mov 120(%rdi), %r15
    mov 32(%rdi), %rsp
    mov 56(%rdi), %rdi
    jmp *difftest_code_address(%rip)
    .size difftest_enter, .-difftest_enter

    .section .note.GNU-stack,"",@progbits
