#include "chardev/descriptors.h"

#include <string>

#include <sys/stat.h>

#include <fcntl.h>

namespace vireo {

Result<UniqueFd> reopen_for_console(int fd, int access) {
    struct stat info {};
    if (fstat(fd, &info) != 0)
        return errno_error("console descriptor {}", fd);
    if (S_ISCHR(info.st_mode) || S_ISFIFO(info.st_mode)) {
        std::string const path = "/proc/self/fd/" + std::to_string(fd);
        UniqueFd reopened(::open(path.c_str(), access | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
        if (reopened.valid())
            return reopened;
        // No /proc (a minimal container): fall back to sharing the description.
    }
    UniqueFd duplicate(fcntl(fd, F_DUPFD_CLOEXEC, 0));
    if (!duplicate.valid())
        return errno_error("duplicating console descriptor {}", fd);
    return duplicate;
}

bool is_socket(int fd) {
    struct stat info {};
    return fstat(fd, &info) == 0 && S_ISSOCK(info.st_mode);
}

} // namespace vireo
