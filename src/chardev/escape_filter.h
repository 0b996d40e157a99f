// The console's escape key in raw mode, with QEMU's conventions (its "mux" chardev): Ctrl-A
// followed by a key is a command for vireo rather than input for the guest.
//   Ctrl-A x       quit
//   Ctrl-A h (?)   print help
//   Ctrl-A Ctrl-A  send one Ctrl-A to the guest
// Any other key after Ctrl-A is dropped, as QEMU drops its unknown escapes.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace vireo {

class EscapeFilter {
public:
    static constexpr uint8_t kEscapeKey = 0x01; // Ctrl-A

    struct Result {
        std::vector<uint8_t> input; // what goes to the guest
        bool quit = false;
        bool help = false;
    };

    // Escape state carries over between calls: Ctrl-A may end one read and x start the next.
    Result filter(std::span<uint8_t const> bytes);

    static std::string_view help_text();

private:
    bool escaped_ = false;
};

} // namespace vireo
