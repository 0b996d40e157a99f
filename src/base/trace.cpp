#include "base/trace.h"

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include <sys/syscall.h>

#include <unistd.h>

namespace vireo {

namespace {

constexpr std::array<std::string_view, static_cast<size_t>(TraceCategory::Count)> kNames = {
    "vmm",    "kvm", "emu", "boot",   "acpi", "bus",   "irq",
    "serial", "rtc", "pci", "virtio", "net",  "block", "api",
};

std::mutex g_output_mutex;

// Parses "kvm,serial" or "all" into a category mask; returns the first unknown name, if any.
Result<uint32_t> parse_mask(std::string_view list) {
    uint32_t mask = 0;
    while (!list.empty()) {
        auto comma = list.find(',');
        auto item = list.substr(0, comma);
        bool found = item == "all";
        if (found)
            mask = ~0U;
        for (size_t i = 0; i < kNames.size(); ++i) {
            if (kNames[i] == item) {
                mask |= 1U << i;
                found = true;
            }
        }
        if (!found)
            return make_error("unknown trace category '{}' (known: all, {})", item,
                              fmt::join(kNames, ", "));
        if (comma == std::string_view::npos)
            break;
        list.remove_prefix(comma + 1);
    }
    return mask;
}

uint32_t mask_from_environment() {
    char const* value = std::getenv("VIREO_TRACE");
    if (value == nullptr)
        return 0;
    auto mask = parse_mask(value);
    if (!mask) {
        write_stderr(fmt::format("vireo: warning: VIREO_TRACE: {}\n", mask.error().message()));
        return 0;
    }
    return *mask;
}

} // namespace

namespace detail {

std::atomic<uint32_t> g_trace_mask{mask_from_environment()};

void trace_emit(TraceCategory category, std::string const& message) {
    using namespace std::chrono;
    static auto const start = steady_clock::now();
    auto const micros = duration_cast<microseconds>(steady_clock::now() - start).count();
    std::lock_guard lock(g_output_mutex);
    write_stderr(fmt::format("[{:>6}.{:06}] {:<6} t{} {}\n", micros / 1000000, micros % 1000000,
                             trace_category_name(category),
                             static_cast<long>(::syscall(SYS_gettid)), message));
}

} // namespace detail

std::string_view trace_category_name(TraceCategory category) {
    return kNames.at(static_cast<size_t>(category));
}

Result<void> enable_trace(std::string_view list) {
    uint32_t const mask = TRY(parse_mask(list));
    detail::g_trace_mask.fetch_or(mask, std::memory_order_relaxed);
    return {};
}

void write_stderr(std::string_view text) {
    while (!text.empty()) {
        ssize_t const written = ::write(STDERR_FILENO, text.data(), text.size());
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return;
        text.remove_prefix(static_cast<size_t>(written));
    }
}

void log_message(std::string_view level, std::string const& message) {
    std::lock_guard lock(g_output_mutex);
    write_stderr(fmt::format("vireo: {}{}\n", level, message));
}

} // namespace vireo
