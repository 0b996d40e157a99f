/* Polled output on the 16550 UART at COM1, and a small printf for it. */
#include <stdarg.h>

#include "runtime.h"
#include "runtime_internal.h"
#include "x86.h"

/* IBM PC COM1 base port; register offsets from the National Semiconductor PC16550D data
 * sheet, Table II. */
#define COM1_PORT 0x3f8
#define UART_DATA 0             /* THR on write, divisor latch low with DLAB */
#define UART_INTERRUPT_ENABLE 1 /* IER, divisor latch high with DLAB */
#define UART_FIFO_CONTROL 2     /* FCR */
#define UART_LINE_CONTROL 3     /* LCR */
#define UART_MODEM_CONTROL 4    /* MCR */
#define UART_LINE_STATUS 5      /* LSR */
#define UART_LCR_DLAB 0x80
#define UART_LCR_8N1 0x03
#define UART_FCR_ENABLE_AND_CLEAR 0x07
#define UART_MCR_DTR_RTS 0x03
#define UART_LSR_DATA_READY 0x01
#define UART_LSR_THR_EMPTY 0x20
/* A UART that never reports THRE must not hang the guest: give up on a character after this
 * many polls (each one is a VM exit, so this is a long time). */
#define UART_MAX_POLLS 100000

static uint32_t volatile console_lock;

void console_init(void) {
    outb(COM1_PORT + UART_INTERRUPT_ENABLE, 0);
    outb(COM1_PORT + UART_LINE_CONTROL, UART_LCR_DLAB);
    outb(COM1_PORT + UART_DATA, 1); /* divisor 1: 115200 baud */
    outb(COM1_PORT + UART_INTERRUPT_ENABLE, 0);
    outb(COM1_PORT + UART_LINE_CONTROL, UART_LCR_8N1);
    outb(COM1_PORT + UART_FIFO_CONTROL, UART_FCR_ENABLE_AND_CLEAR);
    outb(COM1_PORT + UART_MODEM_CONTROL, UART_MCR_DTR_RTS);
}

static void put_char(char c) {
    for (int polls = 0; polls < UART_MAX_POLLS; ++polls) {
        if (inb(COM1_PORT + UART_LINE_STATUS) & UART_LSR_THR_EMPTY) {
            break;
        }
    }
    outb(COM1_PORT + UART_DATA, (uint8_t)c);
}

/* Several CPUs print in the SMP guest; a line from one must not tear another. */
static void lock_console(void) {
    while (__atomic_exchange_n(&console_lock, 1, __ATOMIC_ACQUIRE) != 0) {
        cpu_relax();
    }
}

static void unlock_console(void) {
    __atomic_store_n(&console_lock, 0, __ATOMIC_RELEASE);
}

void console_write(char const* text, size_t length) {
    for (size_t i = 0; i < length; ++i) {
        put_char(text[i]);
    }
}

bool console_read(char* c, uint32_t timeout_ms) {
    /* The PM timer wraps every 4.7 s, so the elapsed time adds up small steps. */
    uint32_t const timeout_ticks = timeout_ms * ACPI_PM_TICKS_PER_MS;
    uint32_t elapsed = 0;
    uint32_t last = pm_timer_now();
    while (elapsed < timeout_ticks) {
        if (inb(COM1_PORT + UART_LINE_STATUS) & UART_LSR_DATA_READY) {
            *c = (char)inb(COM1_PORT + UART_DATA);
            return true;
        }
        uint32_t const now = pm_timer_now();
        elapsed += (now - last) & ACPI_PM_TIMER_MASK;
        last = now;
    }
    return false;
}

/* A line buffer, so that a whole print() goes out under the lock in one piece. */
struct line {
    char text[256];
    size_t length;
};

static void append(struct line* line, char c) {
    if (line->length < sizeof line->text) {
        line->text[line->length++] = c;
    }
}

static void append_unsigned(struct line* line, uint32_t value, unsigned base, int width) {
    char digits[12];
    int count = 0;
    do {
        digits[count++] = "0123456789abcdef"[value % base];
        value /= base;
    } while (value != 0);
    for (; width > count; --width) {
        append(line, '0');
    }
    while (count > 0) {
        append(line, digits[--count]);
    }
}

static void append_string(struct line* line, char const* text) {
    for (; text != NULL && *text != '\0'; ++text) {
        append(line, *text);
    }
}

/* Supports %s %c %d %u %x with an optional zero-padded width (%08x), and %llx. Guests have
 * no libgcc, so 64-bit values print in hex only. */
static void format_into(struct line* line, char const* format, va_list args) {
    for (; *format != '\0'; ++format) {
        if (*format != '%') {
            append(line, *format);
            continue;
        }
        int width = 0;
        while (*++format >= '0' && *format <= '9') {
            width = width * 10 + (*format - '0');
        }
        switch (*format) {
        case 's':
            append_string(line, va_arg(args, char const*));
            break;
        case 'c':
            append(line, (char)va_arg(args, int));
            break;
        case 'u':
            append_unsigned(line, va_arg(args, uint32_t), 10, width);
            break;
        case 'x':
            append_unsigned(line, va_arg(args, uint32_t), 16, width);
            break;
        case 'd': {
            int32_t value = va_arg(args, int32_t);
            if (value < 0) {
                append(line, '-');
            }
            append_unsigned(line, value < 0 ? 0u - (uint32_t)value : (uint32_t)value, 10, width);
            break;
        }
        case 'l': {
            format += 2; /* "llx" */
            uint64_t value = va_arg(args, uint64_t);
            if (value >> 32) {
                append_unsigned(line, (uint32_t)(value >> 32), 16, 0);
                append_unsigned(line, (uint32_t)value, 16, 8);
            } else {
                append_unsigned(line, (uint32_t)value, 16, width);
            }
            break;
        }
        case '%':
            append(line, '%');
            break;
        default:
            return;
        }
    }
}

void print(char const* format, ...) {
    struct line line = {.length = 0};
    va_list args;
    va_start(args, format);
    format_into(&line, format, args);
    va_end(args);
    lock_console();
    console_write(line.text, line.length);
    unlock_console();
}

void console_break_lock(void) {
    unlock_console();
}
