// The wire format of the control API (docs/api.md): one JSON object per line each way.
//   request:  {"id": <string|number|bool|null, optional>, "command": "<name>",
//              "arguments": {...optional}}
//   response: {"id": <the request's>, "return": {...}}
//          or {"id": <the request's>, "error": {"class": "<ErrorClass>", "desc": "<one line>"}}
// The id is echoed only when the request had a usable one.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "control/api_error.h"

namespace vireo::control {

using Json = nlohmann::json;

struct Request {
    std::optional<Json> id;
    std::string command;
    Json arguments = Json::object();
};

// A request as far as it could be read: when `error` is set, `request.id` still holds the
// id if the line had a usable one, so that the error response can carry it.
struct ParsedRequest {
    Request request;
    std::optional<ApiError> error;
};

// Reads one request line (without its newline). Never throws, whatever the bytes.
ParsedRequest parse_request(std::string_view line);

// Response lines, without the newline.
std::string format_return(std::optional<Json> const& id, Json const& value);
std::string format_error(std::optional<Json> const& id, ApiError const& error);

} // namespace vireo::control
