#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include <sys/socket.h>
#include <sys/un.h>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include "base/fd.h"
#include "control/api_server.h"
#include "control/protocol.h"
#include "fake_vm.h"

namespace vireo::control {
namespace {

namespace fs = std::filesystem;
constexpr int kReplyTimeoutMs = 5000;

sockaddr_un address_of(fs::path const& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof(address.sun_path), "%s", path.c_str());
    return address;
}

// One client connection, reading and writing whole lines.
class Client {
public:
    explicit Client(fs::path const& path)
        : fd_(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
        auto const address = address_of(path);
        connected_ =
            connect(fd_.get(), reinterpret_cast<sockaddr const*>(&address), sizeof(address)) == 0;
    }
    bool connected() const { return connected_; }

    // False if the server has hung up (as it does on a client it turns away).
    bool try_send(std::string const& text) {
        return ::send(fd_.get(), text.data(), text.size(), MSG_NOSIGNAL) ==
               static_cast<ssize_t>(text.size());
    }
    void send_text(std::string const& text) { ASSERT_TRUE(try_send(text)); }
    // The next line from the server; "<eof>" or "<timeout>" otherwise.
    std::string line() {
        for (;;) {
            if (auto const end = buffer_.find('\n'); end != std::string::npos) {
                auto line = buffer_.substr(0, end);
                buffer_.erase(0, end + 1);
                return line;
            }
            pollfd ready{fd_.get(), POLLIN, 0};
            if (poll(&ready, 1, kReplyTimeoutMs) != 1)
                return "<timeout>";
            char chunk[4096];
            ssize_t const got = read(fd_.get(), chunk, sizeof(chunk));
            if (got <= 0)
                return "<eof>";
            buffer_.append(chunk, static_cast<size_t>(got));
        }
    }
    // The response, or a discarded value if there is none.
    Json call(std::string const& request) {
        if (!try_send(request + "\n"))
            return Json(Json::value_t::discarded);
        return Json::parse(line(), nullptr, false);
    }

private:
    UniqueFd fd_;
    bool connected_ = false;
    std::string buffer_;
};

class ApiServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/vireo-api-test-XXXXXX";
        ASSERT_NE(mkdtemp(pattern), nullptr);
        dir_ = pattern;
        path_ = dir_ / "api.sock";
    }
    void TearDown() override {
        server_.reset();
        fs::remove_all(dir_);
    }
    void start() {
        auto server = ApiServer::create(path_, vm_);
        ASSERT_TRUE(server) << server.error().message();
        server_ = std::move(*server);
    }

    fs::path dir_;
    fs::path path_;
    test::FakeVm vm_;
    std::unique_ptr<ApiServer> server_;
};

TEST_F(ApiServerTest, AnswersPipelinedRequestsInOrder) {
    start();
    Client client(path_);
    ASSERT_TRUE(client.connected());
    client.send_text(R"({"id":1,"command":"pause"})"
                     "\n\n"
                     R"({"id":2,"command":"query-state"})"
                     "\r\n"
                     R"({"id":3,"command":"resume"})"
                     "\n");
    for (int id = 1; id <= 3; ++id) {
        auto const response = Json::parse(client.line(), nullptr, false);
        EXPECT_EQ(response.value("id", 0), id) << response.dump();
        EXPECT_TRUE(response.contains("return")) << response.dump();
    }
    EXPECT_EQ(vm_.calls(), (std::vector<std::string>{"pause", "query-state", "resume"}));
}

TEST_F(ApiServerTest, BadRequestsLeaveTheConnectionUsable) {
    start();
    Client client(path_);
    EXPECT_EQ(client.call("{{{")["error"]["class"], "ParseError");
    EXPECT_EQ(client.call(R"({"command":"fly"})")["error"]["class"], "CommandNotFound");
    client.send_text(std::string(ApiServer::kMaxRequestBytes + 10, 'x') + "\n");
    EXPECT_EQ(Json::parse(client.line(), nullptr, false)["error"]["class"], "InvalidRequest");
    EXPECT_EQ(client.call(R"({"id":"ok","command":"query-state"})")["id"], "ok");
}

TEST_F(ApiServerTest, ASlowCommandHoldsUpOnlyItsOwnClient) {
    start();
    vm_.hold_pause = true;
    Client slow(path_);
    Client other(path_);
    slow.send_text(R"({"id":"slow","command":"pause"})"
                   "\n");
    EXPECT_EQ(other.call(R"({"id":"quick","command":"query-state"})")["id"], "quick");
    vm_.release_pause();
    EXPECT_EQ(Json::parse(slow.line(), nullptr, false)["id"], "slow");
}

TEST_F(ApiServerTest, ClientsBeyondTheLimitAreTurnedAway) {
    start();
    std::vector<std::unique_ptr<Client>> clients;
    for (size_t i = 0; i < ApiServer::kMaxClients; ++i) {
        clients.push_back(std::make_unique<Client>(path_));
        // A round trip makes sure the server took this client before the next one comes.
        ASSERT_TRUE(clients.back()->call(R"({"command":"query-state"})").contains("return"));
    }
    Client extra(path_);
    EXPECT_EQ(Json::parse(extra.line(), nullptr, false)["error"]["class"], "TooManyClients");
    EXPECT_EQ(extra.line(), "<eof>");
    clients.pop_back(); // a place frees up once the server sees the hang-up
    for (int attempt = 0; attempt < 100; ++attempt) {
        Client late(path_);
        auto const response = late.call(R"({"command":"query-state"})");
        if (response.contains("return"))
            return;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "no client was admitted after one left";
}

TEST_F(ApiServerTest, StoppingDisconnectsClientsAndRemovesTheSocket) {
    start();
    Client client(path_);
    ASSERT_TRUE(client.call(R"({"command":"query-state"})").contains("return"));
    server_.reset();
    EXPECT_EQ(client.line(), "<eof>");
    EXPECT_FALSE(fs::exists(path_));
}

TEST_F(ApiServerTest, PathInUseIsAOneLineError) {
    start();
    test::FakeVm other;
    auto second = ApiServer::create(path_, other);
    ASSERT_FALSE(second);
    auto const& message = second.error().message();
    EXPECT_NE(message.find("--api-socket"), std::string::npos) << message;
    EXPECT_NE(message.find("in use"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos);
    EXPECT_TRUE(Client(path_).connected()); // the first server is untouched
}

TEST_F(ApiServerTest, StaleSocketIsReplacedButOtherFilesAreNot) {
    {
        UniqueFd stale(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        auto const address = address_of(path_);
        ASSERT_EQ(bind(stale.get(), reinterpret_cast<sockaddr const*>(&address), sizeof(address)),
                  0);
    } // closed without unlinking: what a crashed process leaves
    start();
    EXPECT_TRUE(Client(path_).call(R"({"command":"query-state"})").contains("return"));
    server_.reset();

    UniqueFd file(open(path_.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
    auto refused = ApiServer::create(path_, vm_);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message().find("not a socket"), std::string::npos);
    EXPECT_TRUE(fs::is_regular_file(path_));
}

} // namespace
} // namespace vireo::control
