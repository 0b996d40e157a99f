#include "chardev/terminal.h"

#include <atomic>
#include <cstdlib>

#include <termios.h>

#include "base/trace.h"

namespace vireo {

namespace {

// Plain globals, because the signal handler path may touch nothing else: the flag is a
// lock-free atomic and tcsetattr() is async-signal-safe (POSIX.1-2017 2.4.3).
struct termios g_saved {};
int g_saved_fd = -1;
std::atomic<bool> g_raw{false};
std::atomic<bool> g_atexit_registered{false};

} // namespace

Result<void> enter_raw_mode(int fd) {
    struct termios saved {};
    if (tcgetattr(fd, &saved) != 0)
        return errno_error("reading terminal settings");
    struct termios raw = saved;
    // Input bytes arrive unchanged and at once: no echo, no line editing, no signals from
    // Ctrl-C/Ctrl-Z, no CR/NL translation or flow control. Output processing stays as it
    // was, so vireo's own messages still start at the left margin.
    raw.c_iflag &=
        ~static_cast<tcflag_t>(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    raw.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    raw.c_cflag &= ~static_cast<tcflag_t>(CSIZE | PARENB);
    raw.c_cflag |= CS8;
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    if (tcsetattr(fd, TCSANOW, &raw) != 0)
        return errno_error("switching the terminal to raw mode");
    if (!g_raw.load()) {
        g_saved = saved;
        g_saved_fd = fd;
        g_raw.store(true);
    }
    // Should atexit() fail (only when its table is full), Console's destructor and the
    // VMM's signal handling still restore the terminal.
    if (!g_atexit_registered.exchange(true) && std::atexit(restore_terminal) != 0)
        log_warn("console: cannot register the terminal restore at exit");
    return {};
}

void restore_terminal() {
    if (g_raw.exchange(false))
        tcsetattr(g_saved_fd, TCSANOW, &g_saved);
}

} // namespace vireo
