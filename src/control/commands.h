// The control API's commands (docs/api.md): each request line in, one response line out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vireo::control {

class VmControl;

// Answers one request line (without its newline) for `vm` with one response line (without
// its newline). Never throws; every bad request gets an error response.
std::string handle_request_line(std::string_view line, VmControl& vm);

// The names of the commands, as query-commands lists them.
std::vector<std::string> command_names();

} // namespace vireo::control
