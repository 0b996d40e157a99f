// Debug tracing per subsystem. Always compiled; switched on at run time with
// `VIREO_TRACE=kvm,serial` (or `all`) or `vireo run --trace ...`. A disabled category costs
// one relaxed atomic load.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "base/result.h"

namespace vireo {

enum class TraceCategory : uint32_t {
    Vmm,
    Kvm,
    Emu,
    Boot,
    Acpi,
    Bus,
    Irq,
    Serial,
    Rtc,
    Pci,
    Virtio,
    Net,
    Block,
    Api,
    Count,
};

std::string_view trace_category_name(TraceCategory category);

namespace detail {
extern std::atomic<uint32_t> g_trace_mask;
void trace_emit(TraceCategory category, std::string const& message);
} // namespace detail

inline bool trace_enabled(TraceCategory category) {
    return (detail::g_trace_mask.load(std::memory_order_relaxed) &
            (1U << static_cast<uint32_t>(category))) != 0;
}

// Enables the categories named in a comma-separated list ("kvm,serial", "all").
Result<void> enable_trace(std::string_view list);

// Writes to stderr with write(2): never throws, never aborts, even when stderr is a closed
// pipe (SIGPIPE is ignored by the VMM, so such a write just fails).
void write_stderr(std::string_view text);

// Messages for the user on stderr, prefixed "vireo: ".
void log_message(std::string_view level, std::string const& message);

template <typename... Args>
void log_info(fmt::format_string<Args...> format, Args&&... args) {
    log_message("", fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void log_warn(fmt::format_string<Args...> format, Args&&... args) {
    log_message("warning: ", fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void log_error(fmt::format_string<Args...> format, Args&&... args) {
    log_message("error: ", fmt::format(format, std::forward<Args>(args)...));
}

} // namespace vireo

#define VIREO_TRACE(category, ...)                                                                 \
    do {                                                                                           \
        if (::vireo::trace_enabled(::vireo::TraceCategory::category)) [[unlikely]]                 \
            ::vireo::detail::trace_emit(::vireo::TraceCategory::category,                          \
                                        ::fmt::format(__VA_ARGS__));                               \
    } while (0)
