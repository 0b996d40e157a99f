/* The multiboot information the loader handed over, and command-line parsing. */
#include "runtime.h"
#include "runtime_internal.h"

static struct multiboot_info const* boot_info;

void multiboot_set_info(uint32_t address) {
    boot_info = (struct multiboot_info const*)(uintptr_t)address;
}

struct multiboot_info const* multiboot_info(void) {
    return boot_info;
}

char const* multiboot_cmdline(void) {
    if (boot_info == NULL || !(boot_info->flags & MULTIBOOT_INFO_CMDLINE) ||
        boot_info->cmdline == 0) {
        return "";
    }
    return (char const*)(uintptr_t)boot_info->cmdline;
}

static bool parse_number(char const* text, uint32_t* value) {
    unsigned base = 10;
    if (text[0] == '0' && text[1] == 'x') {
        base = 16;
        text += 2;
    }
    uint32_t result = 0;
    bool any = false;
    for (; *text != '\0' && *text != ' '; ++text, any = true) {
        unsigned digit;
        if (*text >= '0' && *text <= '9') {
            digit = (unsigned)(*text - '0');
        } else if (base == 16 && *text >= 'a' && *text <= 'f') {
            digit = (unsigned)(*text - 'a' + 10);
        } else {
            return false;
        }
        result = result * base + digit;
    }
    *value = result;
    return any;
}

/* Loaders may put the kernel's path first (QEMU does), so look at every word. */
bool cmdline_number(char const* key, uint32_t* value) {
    size_t key_length = strlen(key);
    char const* word = multiboot_cmdline();
    while (*word != '\0') {
        if (memcmp(word, key, key_length) == 0 && word[key_length] == '=') {
            return parse_number(word + key_length + 1, value);
        }
        while (*word != '\0' && *word != ' ') {
            ++word;
        }
        while (*word == ' ') {
            ++word;
        }
    }
    return false;
}
