// Raw mode for a console on the user's terminal: every key goes to the guest as typed
// (Ctrl-C included), and the terminal is put back the way it was at exit.
#pragma once

#include "base/result.h"

namespace vireo {

// Switches the terminal on `fd` to raw mode, remembering its settings. Also registers
// restore_terminal() with atexit(), so a plain exit() restores the terminal too.
Result<void> enter_raw_mode(int fd);

// Puts the terminal back as enter_raw_mode() found it. Async-signal-safe and idempotent, so
// the VMM can call it from its fatal-signal handler before re-raising the signal; does
// nothing if raw mode was never entered.
void restore_terminal();

} // namespace vireo
