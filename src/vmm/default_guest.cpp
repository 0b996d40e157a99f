#include "vmm/default_guest.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <unistd.h>

namespace vireo {

namespace {

// Used when the cache has no cmdline file: the serial console, and a panic ends the VM.
constexpr char const* kFallbackCmdline = "console=ttyS0 panic=-1";

std::string environment_or(char const* name, std::string fallback) {
    char const* value = std::getenv(name);
    return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

} // namespace

std::string default_guest_directory() {
    std::string const home = environment_or("HOME", "/root");
    std::string const cache = environment_or(
        "VIREO_CACHE", environment_or("XDG_CACHE_HOME", home + "/.cache") + "/vireo");
    return cache + "/guests/default";
}

Result<DefaultGuest> find_default_guest() {
    DefaultGuest guest;
    guest.directory = default_guest_directory();
    guest.kernel = guest.directory + "/vmlinuz";
    guest.initrd = guest.directory + "/initramfs.cpio.gz";
    if (access(guest.kernel.c_str(), R_OK) != 0 || access(guest.initrd.c_str(), R_OK) != 0)
        return make_error("no --kernel given and the default guest is not built in {} "
                          "(run guest/build-default-guest)",
                          guest.directory);
    std::ifstream cmdline(guest.directory + "/cmdline");
    std::stringstream text;
    text << cmdline.rdbuf();
    guest.cmdline = text.str();
    while (!guest.cmdline.empty() && (guest.cmdline.back() == '\n' || guest.cmdline.back() == ' '))
        guest.cmdline.pop_back();
    if (guest.cmdline.empty())
        guest.cmdline = kFallbackCmdline;
    return guest;
}

} // namespace vireo
