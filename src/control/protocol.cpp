#include "control/protocol.h"

namespace vireo::control {

namespace {

// An id is echoed back as it came, so it must be something that cannot nest: a nested id
// would make every response as deep as the request.
bool usable_id(Json const& id) {
    return id.is_string() || id.is_number() || id.is_boolean() || id.is_null();
}

ApiError invalid(std::string description) {
    return {ErrorClass::InvalidRequest, std::move(description)};
}

std::optional<ApiError> read_members(Json const& object, Request& request) {
    for (auto const& [key, value] : object.items()) {
        if (key != "id" && key != "command" && key != "arguments")
            return invalid(fmt::format("unknown member '{}' (a request has id, command and "
                                       "arguments)",
                                       key));
    }
    auto const command = object.find("command");
    if (command == object.end())
        return invalid("the request has no 'command'");
    if (!command->is_string())
        return invalid("'command' must be a string");
    request.command = command->get<std::string>();
    auto const arguments = object.find("arguments");
    if (arguments != object.end()) {
        if (!arguments->is_object())
            return invalid("'arguments' must be an object");
        request.arguments = *arguments;
    }
    return std::nullopt;
}

// Invalid UTF-8 cannot come back from a parsed request, but a description may quote bytes
// from one: replace them rather than let the serializer throw.
std::string dump(Json const& value) {
    return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

} // namespace

ParsedRequest parse_request(std::string_view line) {
    ParsedRequest parsed;
    // allow_exceptions = false: a malformed line yields a discarded value, not an exception.
    Json const object = Json::parse(line, nullptr, false);
    if (object.is_discarded()) {
        parsed.error = ApiError{ErrorClass::ParseError, "the request is not valid JSON"};
        return parsed;
    }
    if (!object.is_object()) {
        parsed.error = invalid("the request must be a JSON object");
        return parsed;
    }
    if (auto const id = object.find("id"); id != object.end()) {
        if (!usable_id(*id)) {
            parsed.error = invalid("'id' must be a string, a number, a boolean or null");
            return parsed;
        }
        parsed.request.id = *id;
    }
    parsed.error = read_members(object, parsed.request);
    return parsed;
}

std::string format_return(std::optional<Json> const& id, Json const& value) {
    Json response = Json::object();
    if (id)
        response["id"] = *id;
    response["return"] = value;
    return dump(response);
}

std::string format_error(std::optional<Json> const& id, ApiError const& error) {
    Json response = Json::object();
    if (id)
        response["id"] = *id;
    response["error"] = {{"class", error_class_name(error.error_class)},
                         {"desc", error.description}};
    return dump(response);
}

std::string_view error_class_name(ErrorClass error_class) {
    switch (error_class) {
    case ErrorClass::ParseError:
        return "ParseError";
    case ErrorClass::InvalidRequest:
        return "InvalidRequest";
    case ErrorClass::CommandNotFound:
        return "CommandNotFound";
    case ErrorClass::InvalidArguments:
        return "InvalidArguments";
    case ErrorClass::DeviceNotPresent:
        return "DeviceNotPresent";
    case ErrorClass::WrongState:
        return "WrongState";
    case ErrorClass::TooManyClients:
        return "TooManyClients";
    }
    return "InternalError";
}

} // namespace vireo::control
