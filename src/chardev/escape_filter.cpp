#include "chardev/escape_filter.h"

namespace vireo {

EscapeFilter::Result EscapeFilter::filter(std::span<uint8_t const> bytes) {
    Result result;
    result.input.reserve(bytes.size());
    for (uint8_t const byte : bytes) {
        if (!escaped_) {
            if (byte == kEscapeKey)
                escaped_ = true;
            else
                result.input.push_back(byte);
            continue;
        }
        escaped_ = false;
        switch (byte) {
        case kEscapeKey:
            result.input.push_back(kEscapeKey);
            break;
        case 'x':
        case 'X':
            result.quit = true;
            break;
        case 'h':
        case 'H':
        case '?':
            result.help = true;
            break;
        default:
            break;
        }
    }
    return result;
}

// Raw mode turns off the terminal's newline translation for input, not for output, but the
// text says \r\n itself so it lines up whatever the terminal's output settings are.
std::string_view EscapeFilter::help_text() {
    return "\r\nvireo console escapes:\r\n"
           "  C-a h    print this help\r\n"
           "  C-a x    quit vireo\r\n"
           "  C-a C-a  send C-a to the guest\r\n";
}

} // namespace vireo
