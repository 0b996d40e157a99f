#include "control/commands.h"

#include <algorithm>
#include <array>
#include <functional>
#include <initializer_list>

#include "base/trace.h"
#include "control/json_encoding.h"
#include "control/protocol.h"
#include "control/vm_control.h"
#include "devices/virtio/balloon/balloon_spec.h"

namespace vireo::control {

namespace {

using namespace std::chrono_literals;

// query-balloon waits this long for fresh statistics unless told otherwise: a Linux guest
// answers within milliseconds on KVM, and within a few hundred on the emulator.
constexpr std::chrono::milliseconds kDefaultStatsWait = 1000ms;
// and never longer than this, so that one client cannot hold its connection for long.
constexpr uint64_t kMaxStatsWaitMs = 10000;

using Handler = std::function<ApiResult<Json>(Json const& arguments, VmControl& vm)>;

struct Command {
    std::string_view name;
    std::initializer_list<std::string_view> arguments; // the names it accepts
    Handler handler;
};

ApiResult<Json> done(ApiResult<void> result) {
    if (!result)
        return tl::unexpected(result.error());
    return Json::object();
}

// An unsigned integer argument; absent ones are the caller's business.
ApiResult<uint64_t> unsigned_argument(Json const& arguments, std::string_view name) {
    auto const value = arguments.find(name);
    if (value == arguments.end())
        return api_error(ErrorClass::InvalidArguments, "missing argument '{}'", name);
    if (!value->is_number_unsigned())
        return api_error(ErrorClass::InvalidArguments, "'{}' must be an unsigned integer", name);
    return value->get<uint64_t>();
}

ApiResult<Json> query_state(Json const& /*arguments*/, VmControl& vm) {
    return encode_status(TRY(vm.query_state()));
}

ApiResult<Json> set_balloon_target(Json const& arguments, VmControl& vm) {
    uint64_t const bytes = TRY(unsigned_argument(arguments, "bytes"));
    // The balloon works in 4 KiB pages whatever the guest's page size (virtio 1.2 5.5.6).
    if (bytes % virtio::balloon::kPageSize != 0)
        return api_error(ErrorClass::InvalidArguments,
                         "'bytes' ({}) must be a multiple of 4096 (the balloon's page size)",
                         bytes);
    return done(vm.set_balloon_target(bytes));
}

ApiResult<Json> query_balloon(Json const& arguments, VmControl& vm) {
    std::chrono::milliseconds wait = kDefaultStatsWait;
    if (arguments.contains("wait-ms")) {
        uint64_t const ms = TRY(unsigned_argument(arguments, "wait-ms"));
        if (ms > kMaxStatsWaitMs)
            return api_error(ErrorClass::InvalidArguments, "'wait-ms' ({}) exceeds {}", ms,
                             kMaxStatsWaitMs);
        wait = std::chrono::milliseconds(ms);
    }
    return encode_balloon(TRY(vm.query_balloon(wait)));
}

ApiResult<Json> query_commands(Json const& /*arguments*/, VmControl& /*vm*/) {
    return Json{{"commands", command_names()}};
}

std::array<Command, 7> const& commands() {
    static std::array<Command, 7> const table{{
        {"query-state", {}, query_state},
        {"pause",
         {},
         [](Json const&, VmControl& vm) {
             return done(vm.pause());
         }},
        {"resume",
         {},
         [](Json const&, VmControl& vm) {
             return done(vm.resume());
         }},
        {"power-button",
         {},
         [](Json const&, VmControl& vm) {
             return done(vm.press_power_button());
         }},
        {"balloon-set-target", {"bytes"}, set_balloon_target},
        {"query-balloon", {"wait-ms"}, query_balloon},
        {"query-commands", {}, query_commands},
    }};
    return table;
}

ApiResult<void> check_argument_names(Command const& command, Json const& arguments) {
    for (auto const& [key, value] : arguments.items()) {
        if (std::find(command.arguments.begin(), command.arguments.end(), key) ==
            command.arguments.end())
            return api_error(ErrorClass::InvalidArguments, "{} takes no argument '{}'",
                             command.name, key);
    }
    return {};
}

ApiResult<Json> run(Request const& request, VmControl& vm) {
    auto const& table = commands();
    auto const command = std::find_if(table.begin(), table.end(), [&](Command const& candidate) {
        return candidate.name == request.command;
    });
    if (command == table.end())
        return api_error(ErrorClass::CommandNotFound,
                         "unknown command '{}' (query-commands lists them)", request.command);
    TRY(check_argument_names(*command, request.arguments));
    return command->handler(request.arguments, vm);
}

} // namespace

std::string handle_request_line(std::string_view line, VmControl& vm) {
    auto const parsed = parse_request(line);
    if (parsed.error)
        return format_error(parsed.request.id, *parsed.error);
    VIREO_TRACE(Api, "request: {}", parsed.request.command);
    auto const result = run(parsed.request, vm);
    if (!result) {
        VIREO_TRACE(Api, "{} failed: {}", parsed.request.command, result.error().description);
        return format_error(parsed.request.id, result.error());
    }
    return format_return(parsed.request.id, *result);
}

std::vector<std::string> command_names() {
    std::vector<std::string> names;
    for (auto const& command : commands())
        names.emplace_back(command.name);
    return names;
}

} // namespace vireo::control
