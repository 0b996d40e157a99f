// The default guest that guest/build-default-guest prepares: Debian's kernel and a busybox
// initramfs, cached per kernel version.
#pragma once

#include <string>

#include "base/result.h"

namespace vireo {

struct DefaultGuest {
    std::string directory;
    std::string kernel;
    std::string initrd;
    std::string cmdline;
};

// ${VIREO_CACHE:-${XDG_CACHE_HOME:-~/.cache}/vireo}/guests/default
std::string default_guest_directory();

// Finds the default guest, or explains how to build it.
Result<DefaultGuest> find_default_guest();

} // namespace vireo
