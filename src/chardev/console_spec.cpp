#include "chardev/console_spec.h"

namespace vireo {

namespace {

constexpr std::string_view kForms = "stdio, file=PATH or socket=PATH";

Result<ConsoleSpec> with_path(ConsoleSpec::Kind kind, std::string_view text,
                              std::string_view prefix) {
    auto const path = text.substr(prefix.size());
    if (path.empty())
        return make_error("console '{}' needs a path after '{}'", text, prefix);
    return ConsoleSpec{kind, std::string(path)};
}

} // namespace

Result<ConsoleSpec> parse_console_spec(std::string_view text) {
    if (text == "stdio")
        return ConsoleSpec{ConsoleSpec::Kind::Stdio, {}};
    if (text.starts_with("file="))
        return with_path(ConsoleSpec::Kind::File, text, "file=");
    if (text.starts_with("socket="))
        return with_path(ConsoleSpec::Kind::Socket, text, "socket=");
    return make_error("unknown console '{}' (use {})", text, kForms);
}

} // namespace vireo
