/* The few C library routines the guests and the compiler's generated code need. */
#include "runtime.h"

void* memcpy(void* destination, void const* source, size_t count) {
    unsigned char* to = destination;
    unsigned char const* from = source;
    while (count-- > 0) {
        *to++ = *from++;
    }
    return destination;
}

void* memset(void* destination, int value, size_t count) {
    unsigned char* to = destination;
    while (count-- > 0) {
        *to++ = (unsigned char)value;
    }
    return destination;
}

int memcmp(void const* a, void const* b, size_t count) {
    unsigned char const* left = a;
    unsigned char const* right = b;
    for (size_t i = 0; i < count; ++i) {
        if (left[i] != right[i]) {
            return left[i] < right[i] ? -1 : 1;
        }
    }
    return 0;
}

size_t strlen(char const* text) {
    size_t length = 0;
    while (text[length] != '\0') {
        ++length;
    }
    return length;
}
