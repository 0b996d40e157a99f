// Errors of the control API. Each carries a class that a program can act on (the daemon
// retries a WrongState, reports an InvalidArguments) and one line for a person.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <tl/expected.hpp>

namespace vireo::control {

enum class ErrorClass {
    ParseError,       // the line is not JSON
    InvalidRequest,   // JSON, but not a request object
    CommandNotFound,  // no such command
    InvalidArguments, // the command's arguments are missing, unknown or out of range
    DeviceNotPresent, // the VM has no such device (query-balloon without --balloon)
    WrongState,       // the VM cannot do it now (pause before it runs, or while it restarts)
    TooManyClients,   // the connection is refused
};

std::string_view error_class_name(ErrorClass error_class);

struct ApiError {
    ErrorClass error_class;
    std::string description;
};

template <typename T>
using ApiResult = tl::expected<T, ApiError>;

template <typename... Args>
tl::unexpected<ApiError> api_error(ErrorClass error_class, fmt::format_string<Args...> format,
                                   Args&&... args) {
    return tl::unexpected(ApiError{error_class, fmt::format(format, std::forward<Args>(args)...)});
}

} // namespace vireo::control
