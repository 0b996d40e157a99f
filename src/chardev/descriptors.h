// Descriptors for the stdio console. vireo never changes the flags of the descriptors it
// inherits: O_NONBLOCK on stdin or stdout would be shared with the shell and every other
// process on the same terminal or pipe. It opens the same file again instead.
#pragma once

#include "base/fd.h"
#include "base/result.h"

namespace vireo {

// A descriptor of vireo's own for the file behind `fd`, non-blocking where that matters:
// terminals and pipes are reopened through /proc/self/fd with O_NONBLOCK (`access` is
// O_RDONLY or O_WRONLY); anything else (regular files, /dev/null, sockets) is duplicated,
// since those never block for long or are written with MSG_DONTWAIT.
Result<UniqueFd> reopen_for_console(int fd, int access);

bool is_socket(int fd);

} // namespace vireo
