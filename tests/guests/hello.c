/* hello: proves the boot path. Prints a greeting, echoes what the loader passed (command
 * line, memory size and map, the module's length and fingerprint), with "echo_input=1"
 * waits for a character on the console and echoes it, then exits through debug-exit with
 * the value of "exit=" on the command line. */
#include "runtime/runtime.h"

/* FNV-1a, 32-bit (Fowler/Noll/Vo): cheap per byte, and the test recomputes it in Python. */
#define FNV_OFFSET_BASIS 2166136261u
#define FNV_PRIME 16777619u
#define MODULE_BYTES_SHOWN 8
#define INPUT_TIMEOUT_MS 10000

static uint32_t fnv1a(uint8_t const* bytes, uint32_t length) {
    uint32_t hash = FNV_OFFSET_BASIS;
    for (uint32_t i = 0; i < length; ++i) {
        hash = (hash ^ bytes[i]) * FNV_PRIME;
    }
    return hash;
}

static void show_memory(struct multiboot_info const* info) {
    if (info->flags & MULTIBOOT_INFO_MEMORY) {
        print("memory: lower=%u KiB upper=%u KiB\n", info->mem_lower, info->mem_upper);
    }
    if (!(info->flags & MULTIBOOT_INFO_MMAP)) {
        return;
    }
    /* Multiboot 0.6.96 3.3: each entry's size field excludes itself. */
    uint32_t offset = 0;
    while (offset + sizeof(struct multiboot_mmap_entry) <= info->mmap_length) {
        struct multiboot_mmap_entry const* entry =
            (struct multiboot_mmap_entry const*)(uintptr_t)(info->mmap_addr + offset);
        print("mmap: base=0x%llx length=0x%llx type=%u\n", entry->base, entry->length, entry->type);
        offset += entry->size + sizeof entry->size;
    }
}

static void show_module(struct multiboot_module const* module) {
    uint8_t const* bytes = (uint8_t const*)(uintptr_t)module->start;
    uint32_t length = module->end - module->start;
    print("module: start=0x%x length=%u fnv1a=0x%08x first=", module->start, length,
          fnv1a(bytes, length));
    for (uint32_t i = 0; i < length && i < MODULE_BYTES_SHOWN; ++i) {
        print("%02x", bytes[i]);
    }
    print("\n");
}

static void show_modules(struct multiboot_info const* info) {
    uint32_t count = (info->flags & MULTIBOOT_INFO_MODULES) ? info->mods_count : 0;
    print("modules: %u\n", count);
    struct multiboot_module const* modules =
        (struct multiboot_module const*)(uintptr_t)info->mods_addr;
    for (uint32_t i = 0; i < count; ++i) {
        show_module(&modules[i]);
    }
}

static void echo_input(void) {
    print("waiting for console input\n");
    char c;
    if (console_read(&c, INPUT_TIMEOUT_MS)) {
        print("console input: 0x%02x\n", (uint32_t)(uint8_t)c);
    } else {
        print("console input: none within %u ms\n", INPUT_TIMEOUT_MS);
    }
}

void guest_main(void) {
    print("hello from the vireo test guest\n");
    print("cmdline: [%s]\n", multiboot_cmdline());
    struct multiboot_info const* info = multiboot_info();
    show_memory(info);
    show_modules(info);
    uint32_t wants_input = 0;
    if (cmdline_number("echo_input", &wants_input) && wants_input != 0) {
        echo_input();
    }
    uint32_t exit_value = 0;
    cmdline_number("exit", &exit_value);
    print("exiting with %u\n", exit_value);
    debug_exit(exit_value);
}
