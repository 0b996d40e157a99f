/* vireo-mips: a CPU-bound workload with a known instruction count, run inside a guest to
 * measure how many guest instructions per second the CPU (KVM, vireo's emulator, QEMU TCG)
 * executes. The loop body is fixed assembly, so the count does not depend on the compiler:
 * each iteration retires exactly kInstructionsPerIteration instructions.
 * Usage: vireo-mips [iterations]   prints "vireo-mips: N instructions in S s: M MIPS". */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { kInstructionsPerIteration = 8 };

static uint64_t run(uint64_t iterations) {
    uint64_t a = 1, b = 2;
    /* Integer ALU work with a dependency chain and a loop branch: eight instructions. */
    __asm__ volatile("1:\n\t"
                     "add %[b], %[a]\n\t"
                     "xor %[a], %[b]\n\t"
                     "imul $3, %[a], %[a]\n\t"
                     "shr $1, %[b]\n\t"
                     "or $1, %[b]\n\t"
                     "lea 7(%[a],%[b],2), %[a]\n\t"
                     "dec %[n]\n\t"
                     "jnz 1b\n\t"
                     : [a] "+r"(a), [b] "+r"(b), [n] "+r"(iterations)
                     :
                     : "cc");
    return a ^ b;
}

int main(int argc, char** argv) {
    uint64_t iterations = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000000ULL;
    if (iterations == 0) {
        fprintf(stderr, "vireo-mips: iterations must be positive\n");
        return 2;
    }
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    uint64_t checksum = run(iterations);
    clock_gettime(CLOCK_MONOTONIC, &end);
    double seconds = (double)(end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
    double instructions = (double)iterations * kInstructionsPerIteration;
    printf("vireo-mips: %.0f instructions in %.3f s: %.1f MIPS (checksum %llx)\n", instructions,
           seconds, instructions / seconds / 1e6, (unsigned long long)checksum);
    return 0;
}
