// Errors are values: every fallible function returns Result<T>, and callers propagate
// failures with TRY, in the style of SerenityOS's ErrorOr<T>.
#pragma once

#include <cerrno>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <tl/expected.hpp>

namespace vireo {

// A failure described for the person who has to act on it: one line that names the problem.
class Error {
public:
    explicit Error(std::string message)
        : message_(std::move(message)) {}

    // Formats a message and appends the description of the current errno.
    template <typename... Args>
    static Error from_errno(fmt::format_string<Args...> format, Args&&... args) {
        int const saved = errno;
        return Error(fmt::format("{}: {}", fmt::format(format, std::forward<Args>(args)...),
                                 strerror_string(saved)));
    }

    static Error from_errno_value(int err, std::string_view context) {
        return Error(fmt::format("{}: {}", context, strerror_string(err)));
    }

    template <typename... Args>
    static Error format(fmt::format_string<Args...> format, Args&&... args) {
        return Error(fmt::format(format, std::forward<Args>(args)...));
    }

    std::string const& message() const { return message_; }

    // Prepends context ("loading kernel: ...") while the error travels up.
    Error with_context(std::string_view context) const {
        return Error(fmt::format("{}: {}", context, message_));
    }

private:
    static std::string strerror_string(int err);
    std::string message_;
};

template <typename T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> make_error(std::string message) {
    return tl::unexpected(Error(std::move(message)));
}

template <typename... Args>
tl::unexpected<Error> make_error(fmt::format_string<Args...> format, Args&&... args) {
    return tl::unexpected(Error::format(format, std::forward<Args>(args)...));
}

template <typename... Args>
tl::unexpected<Error> errno_error(fmt::format_string<Args...> format, Args&&... args) {
    return tl::unexpected(Error::from_errno(format, std::forward<Args>(args)...));
}

namespace detail {
// Any tl::expected, so that TRY also serves result types with other error types.
template <typename T, typename E>
T release_value(tl::expected<T, E>&& result) {
    return std::move(*result);
}
template <typename E>
void release_value(tl::expected<void, E>&& /*result*/) {}
} // namespace detail

} // namespace vireo

// Evaluates a Result; on failure returns its error from the enclosing function, otherwise
// yields the value. Uses a GNU statement expression, which g++ and clang both support.
#define TRY(expr)                                                                                  \
    __extension__({                                                                                \
        auto _vireo_result = (expr);                                                               \
        if (!_vireo_result) [[unlikely]]                                                           \
            return ::tl::unexpected(std::move(_vireo_result).error());                             \
        ::vireo::detail::release_value(std::move(_vireo_result));                                  \
    })

// Like TRY, but adds context to the error message on the way up.
#define TRY_CONTEXT(expr, context)                                                                 \
    __extension__({                                                                                \
        auto _vireo_result = (expr);                                                               \
        if (!_vireo_result) [[unlikely]]                                                           \
            return ::tl::unexpected(_vireo_result.error().with_context(context));                  \
        ::vireo::detail::release_value(std::move(_vireo_result));                                  \
    })
