#include <gtest/gtest.h>

#include "control/commands.h"
#include "control/protocol.h"
#include "fake_vm.h"

namespace vireo::control {
namespace {

using namespace std::chrono_literals;
using virtio::balloon::StatTag;

class CommandsTest : public ::testing::Test {
protected:
    Json call(std::string const& line) {
        auto const response = handle_request_line(line, vm_);
        Json parsed = Json::parse(response, nullptr, false);
        EXPECT_FALSE(parsed.is_discarded()) << response;
        EXPECT_EQ(response.find('\n'), std::string::npos); // one line each
        return parsed;
    }
    // The error class of a response that must be an error.
    std::string error_class(Json const& response) {
        EXPECT_TRUE(response.contains("error")) << response.dump();
        EXPECT_FALSE(response.contains("return")) << response.dump();
        return response.value("/error/class"_json_pointer, std::string());
    }

    test::FakeVm vm_;
};

TEST_F(CommandsTest, QueryStateDescribesTheVm) {
    auto const response = call(R"({"id": 1, "command": "query-state"})");
    EXPECT_EQ(response["id"], 1);
    EXPECT_EQ(response["return"], Json({{"state", "running"},
                                        {"vcpus", 2},
                                        {"memory-bytes", 512 << 20},
                                        {"accel", "emu"},
                                        {"uptime-ms", 1500},
                                        {"balloon", true}}));
}

TEST_F(CommandsTest, LifecycleCommandsReachTheVm) {
    for (std::string command : {"pause", "resume", "power-button"}) {
        auto const response = call(R"({"id": "x", "command": ")" + command + "\"}");
        EXPECT_EQ(response, Json({{"id", "x"}, {"return", Json::object()}})) << command;
    }
    EXPECT_EQ(vm_.calls(), (std::vector<std::string>{"pause", "resume", "power-button"}));
}

TEST_F(CommandsTest, VmErrorsComeBackWithTheirClass) {
    vm_.error = ApiError{ErrorClass::WrongState, "the VM is restarting"};
    auto const response = call(R"({"id": 3, "command": "pause"})");
    EXPECT_EQ(response["id"], 3);
    EXPECT_EQ(error_class(response), "WrongState");
    EXPECT_EQ(response["error"]["desc"], "the VM is restarting");
}

TEST_F(CommandsTest, BalloonTargetIsWholePagesInBytes) {
    auto response = call(R"({"command": "balloon-set-target", "arguments": {"bytes": 134217728}})");
    EXPECT_TRUE(response.contains("return")) << response.dump();
    EXPECT_EQ(vm_.target, uint64_t{128} << 20);

    for (auto const* arguments :
         {R"({})", R"({"bytes": 4097})", R"({"bytes": -4096})", R"({"bytes": 4096.0})",
          R"({"bytes": "4096"})", R"({"bytes": 4096, "pages": 1})"}) {
        response = call(std::string(R"({"command": "balloon-set-target", "arguments": )") +
                        arguments + "}");
        EXPECT_EQ(error_class(response), "InvalidArguments") << arguments;
    }
    EXPECT_EQ(vm_.calls(), std::vector<std::string>{"balloon-set-target"});
    EXPECT_EQ(vm_.target, uint64_t{128} << 20);
}

TEST_F(CommandsTest, QueryBalloonReportsSizesInBytesAndTheGuestsStatistics) {
    vm_.balloon.driver_active = true;
    vm_.balloon.target_pages = 32768;
    vm_.balloon.actual_pages = 30000;
    vm_.balloon.inflated_pages = 30000;
    vm_.balloon.reported_bytes = 1 << 21;
    vm_.balloon.stats_updates = 4;
    vm_.balloon.stats.values[static_cast<size_t>(StatTag::AvailableMemory)] = 300 << 20;
    vm_.balloon.stats.values[static_cast<size_t>(StatTag::MajorFaults)] = 12;
    vm_.balloon.stats_age = 250ms;
    auto const response = call(R"({"command": "query-balloon"})");
    ASSERT_TRUE(response.contains("return")) << response.dump();
    auto const& value = response["return"];
    EXPECT_EQ(value["driver-ready"], true);
    EXPECT_EQ(value["target-bytes"], 32768ULL * 4096);
    EXPECT_EQ(value["actual-bytes"], 30000ULL * 4096);
    EXPECT_EQ(value["inflated-bytes"], 30000ULL * 4096);
    EXPECT_EQ(value["reported-bytes"], 1 << 21);
    EXPECT_EQ(value["stats-updates"], 4);
    EXPECT_EQ(value["stats-age-ms"], 250);
    EXPECT_EQ(value["stats"], Json({{"available-bytes", 300 << 20}, {"major-faults", 12}}));
    EXPECT_EQ(vm_.last_wait, 1000ms); // the default wait for fresh statistics
}

TEST_F(CommandsTest, QueryBalloonWaitIsBounded) {
    auto response = call(R"({"command": "query-balloon", "arguments": {"wait-ms": 0}})");
    EXPECT_EQ(response["return"]["stats-age-ms"], nullptr); // no statistics yet
    EXPECT_EQ(response["return"]["stats"], Json::object());
    EXPECT_EQ(vm_.last_wait, 0ms);
    response = call(R"({"command": "query-balloon", "arguments": {"wait-ms": 10001}})");
    EXPECT_EQ(error_class(response), "InvalidArguments");
    vm_.error = ApiError{ErrorClass::DeviceNotPresent, "no balloon"};
    response = call(R"({"command": "query-balloon"})");
    EXPECT_EQ(error_class(response), "DeviceNotPresent");
}

TEST_F(CommandsTest, UnknownCommandsAndArgumentsAreRefused) {
    auto response = call(R"({"id": 9, "command": "reboot"})");
    EXPECT_EQ(response["id"], 9);
    EXPECT_EQ(error_class(response), "CommandNotFound");
    response = call(R"({"command": "pause", "arguments": {"now": true}})");
    EXPECT_EQ(error_class(response), "InvalidArguments");
    EXPECT_TRUE(vm_.calls().empty());
}

TEST_F(CommandsTest, BadLinesGetErrorsWithoutReachingTheVm) {
    EXPECT_EQ(error_class(call("not json")), "ParseError");
    EXPECT_EQ(error_class(call("[]")), "InvalidRequest");
    EXPECT_EQ(error_class(call(R"({"id": [1], "command": "pause"})")), "InvalidRequest");
    EXPECT_TRUE(vm_.calls().empty());
}

TEST_F(CommandsTest, QueryCommandsListsEveryCommand) {
    auto const response = call(R"({"command": "query-commands"})");
    EXPECT_EQ(response["return"]["commands"],
              Json({"query-state", "pause", "resume", "power-button", "balloon-set-target",
                    "query-balloon", "query-commands"}));
}

} // namespace
} // namespace vireo::control
