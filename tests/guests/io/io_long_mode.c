/* The identity map that run_long_mode_moves runs on: the first 4 GiB in 2 MiB pages, which
 * covers the guest's RAM and every MMIO window it touches. */
#include "../runtime/runtime.h"
#include "io.h"

#define PAGE_TABLE_ENTRIES 512
#define MAPPED_GIBS 4
/* Intel SDM Vol. 3A 4.5, Tables 4-15 to 4-18: present, writable, and (in a page directory
 * entry) page size, which makes the entry map a 2 MiB page. */
#define PTE_PRESENT (1ull << 0)
#define PTE_WRITABLE (1ull << 1)
#define PTE_LARGE_PAGE (1ull << 7)
#define GIB_SHIFT 30
#define LARGE_PAGE_SHIFT 21

#define CPUID_EXTENDED_FEATURES_LEAF 0x80000001u
#define CPUID_EDX_LONG_MODE (1u << 29) /* Intel SDM Vol. 2A CPUID, leaf 80000001H */

uint64_t long_mode_pml4[PAGE_TABLE_ENTRIES] __attribute__((aligned(4096)));
static uint64_t pdpt[PAGE_TABLE_ENTRIES] __attribute__((aligned(4096)));
static uint64_t directories[MAPPED_GIBS][PAGE_TABLE_ENTRIES] __attribute__((aligned(4096)));

bool cpu_has_long_mode(void) {
    uint32_t eax = CPUID_EXTENDED_FEATURES_LEAF, ebx, ecx = 0, edx;
    __asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
    return (edx & CPUID_EDX_LONG_MODE) != 0;
}

void long_mode_map_low_4g(void) {
    long_mode_pml4[0] = (uint32_t)(uintptr_t)pdpt | PTE_PRESENT | PTE_WRITABLE;
    for (uint32_t gib = 0; gib < MAPPED_GIBS; ++gib) {
        pdpt[gib] = (uint32_t)(uintptr_t)directories[gib] | PTE_PRESENT | PTE_WRITABLE;
        for (uint32_t i = 0; i < PAGE_TABLE_ENTRIES; ++i) {
            uint64_t address = ((uint64_t)gib << GIB_SHIFT) | ((uint64_t)i << LARGE_PAGE_SHIFT);
            directories[gib][i] = address | PTE_PRESENT | PTE_WRITABLE | PTE_LARGE_PAGE;
        }
    }
}
