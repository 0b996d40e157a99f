// The --console option: where the guest's serial console goes.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace vireo {

struct ConsoleSpec {
    enum class Kind { Stdio, File, Socket };
    Kind kind = Kind::Stdio;
    std::string path; // for File and Socket
};

// Parses "stdio", "file=PATH" or "socket=PATH".
Result<ConsoleSpec> parse_console_spec(std::string_view text);

} // namespace vireo
