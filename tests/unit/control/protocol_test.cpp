#include <string>

#include <gtest/gtest.h>

#include "control/protocol.h"

namespace vireo::control {
namespace {

ApiError error_of(std::string_view line) {
    auto parsed = parse_request(line);
    EXPECT_TRUE(parsed.error) << line;
    return parsed.error.value_or(ApiError{ErrorClass::WrongState, "no error"});
}

TEST(ProtocolTest, ReadsIdCommandAndArguments) {
    auto parsed = parse_request(R"({"id": 7, "command": "balloon-set-target",
                                    "arguments": {"bytes": 4096}})");
    ASSERT_FALSE(parsed.error) << parsed.error->description;
    EXPECT_EQ(parsed.request.id, Json(7));
    EXPECT_EQ(parsed.request.command, "balloon-set-target");
    EXPECT_EQ(parsed.request.arguments, Json({{"bytes", 4096}}));
}

TEST(ProtocolTest, IdAndArgumentsAreOptional) {
    auto parsed = parse_request(R"({"command":"query-state"})");
    ASSERT_FALSE(parsed.error);
    EXPECT_FALSE(parsed.request.id);
    EXPECT_TRUE(parsed.request.arguments.is_object());
    EXPECT_TRUE(parsed.request.arguments.empty());
}

TEST(ProtocolTest, NotJsonIsAParseError) {
    for (std::string_view line : {"", "query-state", "{\"command\": ", "{}}", "\"\xff\""})
        EXPECT_EQ(error_of(line).error_class, ErrorClass::ParseError) << line;
}

TEST(ProtocolTest, MalformedRequestsAreInvalidAndKeepTheirId) {
    EXPECT_EQ(error_of("[1, 2]").error_class, ErrorClass::InvalidRequest);
    EXPECT_EQ(error_of("42").error_class, ErrorClass::InvalidRequest);
    auto parsed = parse_request(R"({"id": "a", "command": 5})");
    ASSERT_TRUE(parsed.error);
    EXPECT_EQ(parsed.error->error_class, ErrorClass::InvalidRequest);
    EXPECT_EQ(parsed.request.id, Json("a")); // so that the error can carry it
    EXPECT_NE(error_of(R"({"id": 1})").description.find("no 'command'"), std::string::npos);
    EXPECT_NE(error_of(R"({"command": "x", "arguments": [1]})").description.find("arguments"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"command": "x", "argument": {}})").description.find("'argument'"),
              std::string::npos);
}

TEST(ProtocolTest, NestedIdsAreRefusedAndNotEchoed) {
    auto parsed = parse_request(R"({"id": {"a": [1]}, "command": "query-state"})");
    ASSERT_TRUE(parsed.error);
    EXPECT_EQ(parsed.error->error_class, ErrorClass::InvalidRequest);
    EXPECT_FALSE(parsed.request.id);
}

TEST(ProtocolTest, DeeplyNestedInputIsJustAnError) {
    std::string line(100000, '[');
    EXPECT_EQ(error_of(line).error_class, ErrorClass::ParseError);
    line += std::string(100000, ']');
    EXPECT_EQ(error_of(line).error_class, ErrorClass::InvalidRequest);
}

TEST(ProtocolTest, ResponsesEchoTheIdOnlyWhenThereIsOne) {
    EXPECT_EQ(format_return(Json("x"), Json::object()), R"({"id":"x","return":{}})");
    EXPECT_EQ(format_return(std::nullopt, Json{{"a", 1}}), R"({"return":{"a":1}})");
    EXPECT_EQ(format_error(Json(nullptr), {ErrorClass::CommandNotFound, "no such"}),
              R"({"error":{"class":"CommandNotFound","desc":"no such"},"id":null})");
}

TEST(ProtocolTest, InvalidUtf8InADescriptionIsReplaced) {
    auto const line = format_error(std::nullopt, {ErrorClass::InvalidArguments, "bad \xff byte"});
    EXPECT_NE(line.find("bad \xef\xbf\xbd byte"), std::string::npos) << line;
}

} // namespace
} // namespace vireo::control
